import { useEffect, useRef, useState } from 'preact/hooks';
import type { EvidenceFile, Violation } from '../api.js';
import { useBlobUrl } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { clipOffset, type EvidenceManifest } from '../manifest.js';
import { useSession } from '../session.js';
import type { StringKey } from '../strings.js';
import { EvidenceImage } from './EvidenceImage.js';

type Moment = 'entry' | 'peak' | 'exit';
const MOMENTS: Moment[] = ['entry', 'peak', 'exit'];
const MOMENT_LABEL: Record<Moment, StringKey> = { entry: 'frameEntry', peak: 'framePeak', exit: 'frameExit' };

/** Keyframes are named after their moment (…entry…, …peak…, …exit…); unnamed ones keep their order. */
function byMoment(files: EvidenceFile[]): Record<Moment, EvidenceFile | undefined> {
  const out: Record<Moment, EvidenceFile | undefined> = { entry: undefined, peak: undefined, exit: undefined };
  const rest: EvidenceFile[] = [];
  for (const f of files) {
    const name = f.path.split('/').pop()!.toLowerCase();
    const m = MOMENTS.find((moment) => name.includes(moment));
    if (m && !out[m]) out[m] = f;
    else rest.push(f);
  }
  for (const m of MOMENTS) out[m] ??= rest.shift();
  return out;
}

interface Props {
  violation: Pick<Violation, 'startSec' | 'endSec'>;
  evidence: EvidenceFile[];
  manifest: EvidenceManifest | null;
}

export function EvidenceView({ violation, evidence, manifest }: Props) {
  const { t } = useI18n();
  const { api } = useSession();
  const [annotated, setAnnotated] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const clean = byMoment(evidence.filter((e) => e.role === 'keyframe'));
  const marked = byMoment(evidence.filter((e) => e.role === 'annotated'));
  const clip = evidence.find((e) => e.role === 'clip');
  const plate = evidence.find((e) => e.role === 'plate_crop');
  const vehicle = evidence.find((e) => e.role === 'vehicle_crop');
  const [zoomed, setZoomed] = useState<{ file: EvidenceFile; label: string } | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (zoomed) dialog.current?.showModal();
  }, [zoomed]);
  const clipUrl = useBlobUrl(clip?.id ?? null, () => api.evidence(clip!.id));

  // The manifest knows each moment's time and the clip's window; without it, assume even padding.
  const seek = (moment: Moment) => {
    const v = video.current;
    if (!v || !Number.isFinite(v.duration)) return;
    const span = Math.max(0, violation.endSec - violation.startSec);
    const lead = Math.min(violation.startSec, Math.max(0, (v.duration - span) / 2));
    const guess = moment === 'entry' ? lead : moment === 'peak' ? lead + span / 2 : lead + span;
    v.currentTime = Math.min(Math.max(0, clipOffset(manifest, moment) ?? guess), v.duration);
    v.focus();
  };

  const frames = annotated ? marked : clean;
  return (
    <section class="card evidence" aria-labelledby="evidence-title">
      <div class="row spread">
        <h2 id="evidence-title">{t('keyframes')}</h2>
        <div class="toggle" role="group" aria-label={t('keyframes')}>
          <button type="button" aria-pressed={!annotated} onClick={() => setAnnotated(false)}>
            {t('clean')}
          </button>
          <button type="button" aria-pressed={annotated} onClick={() => setAnnotated(true)}>
            {t('annotated')}
          </button>
        </div>
      </div>
      <ul class="strip">
        {MOMENTS.map((m) => (
          <li key={m}>
            <figure>
              <button
                type="button"
                class="frame-button"
                onClick={() => seek(m)}
                aria-label={t('seekTo', { label: t(MOMENT_LABEL[m]) })}
              >
                <EvidenceImage
                  file={frames[m]}
                  alt={`${t(MOMENT_LABEL[m])} (${annotated ? t('annotated') : t('clean')})`}
                />
              </button>
              <figcaption>
                {t(MOMENT_LABEL[m])}{' '}
                {frames[m] && (
                  <button
                    type="button"
                    class="link"
                    onClick={() => setZoomed({ file: frames[m]!, label: t(MOMENT_LABEL[m]) })}
                  >
                    {t('enlarge', { label: t(MOMENT_LABEL[m]) })}
                  </button>
                )}
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
      <div class="media-row">
        <div class="clip">
          <h3>{t('clip')}</h3>
          {clip && typeof clipUrl === 'string' ? (
            <video ref={video} src={clipUrl} controls muted playsInline preload="auto" aria-label={t('clip')} />
          ) : (
            <div class="evidence-missing">{clip && !clipUrl ? t('loading') : t('evidenceMissing')}</div>
          )}
        </div>
        <div class="plate-crop">
          <h3>{t('plateCrop')}</h3>
          <EvidenceImage file={plate} alt={t('plateCrop')} class="plate-img" />
          <h3>{t('vehicleCrop')}</h3>
          <button
            type="button"
            class="frame-button"
            disabled={!vehicle}
            onClick={() => vehicle && setZoomed({ file: vehicle, label: t('vehicleCrop') })}
            aria-label={t('enlarge', { label: t('vehicleCrop') })}
          >
            <EvidenceImage file={vehicle} alt={t('vehicleCrop')} class="vehicle-img" />
          </button>
        </div>
      </div>
      <dialog ref={dialog} class="zoom" aria-label={zoomed?.label} onClose={() => setZoomed(null)}>
        {zoomed && <EvidenceImage file={zoomed.file} alt={zoomed.label} class="zoomed" />}
        <form method="dialog">
          <button type="submit">{t('close')}</button>
        </form>
      </dialog>
    </section>
  );
}
