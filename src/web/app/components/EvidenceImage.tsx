import type { EvidenceFile } from '../api.js';
import { useBlobUrl } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';

/** Evidence needs the API key, so it is fetched with the header and shown through an object URL. */
export function EvidenceImage({
  file,
  alt,
  class: cls,
}: {
  file: EvidenceFile | undefined;
  alt: string;
  class?: string;
}) {
  const { api } = useSession();
  const { t } = useI18n();
  const url = useBlobUrl(file?.id ?? null, () => api.evidence(file!.id));
  if (!file || (url !== null && typeof url === 'object'))
    return <div class={`evidence-missing ${cls ?? ''}`}>{t('evidenceMissing')}</div>;
  if (url === null) return <div class={`evidence-loading ${cls ?? ''}`} aria-busy="true" />;
  return <img class={cls} src={url} alt={alt} />;
}
