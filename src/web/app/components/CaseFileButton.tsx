import { useState } from 'preact/hooks';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { problemText } from './Notice.js';

/** Downloads a confirmed violation's case file: the API builds it on request (blurring the clip takes a while). */
export function CaseFileButton({ violationId }: { violationId: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [state, setState] = useState<{ busy: boolean; done: boolean; error: unknown }>({
    busy: false,
    done: false,
    error: null,
  });
  const download = async () => {
    setState({ busy: true, done: false, error: null });
    try {
      const blob = await api.caseFile(violationId);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `case-file-${violationId}.zip`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState({ busy: false, done: true, error: null });
    } catch (error) {
      setState({ busy: false, done: false, error });
    }
  };
  return (
    <section class="card case-file" aria-labelledby="case-file-title">
      <h2 id="case-file-title">{t('caseFileTitle')}</h2>
      <p class="hint">{t('caseFileHint')}</p>
      <button type="button" onClick={() => void download()} disabled={state.busy} aria-busy={state.busy}>
        {t('caseFileDownload')}
      </button>
      {state.busy && (
        <p class="notice" role="status">
          {t('caseFileBuilding')}
        </p>
      )}
      {state.done && (
        <p class="notice ok" role="status">
          {t('caseFileDone')}
        </p>
      )}
      {state.error !== null && (
        <p class="notice error" role="alert">
          {problemText(state.error, t)}
        </p>
      )}
    </section>
  );
}
