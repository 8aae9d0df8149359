import { useState } from 'preact/hooks';
import type { DetectorView } from '../api.js';
import { useAsync, useBlobUrl } from '../hooks.js';
import { useI18n, type Translate } from '../i18n.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import { ErrorNotice, Loading, problemText } from '../components/Notice.js';

type Frame = DetectorView['frames'][number];
type Box = Frame['detections'][number]['box'];

const TRACK_COLOURS = ['#00e5ff', '#76ff03', '#ff4081', '#ffea00', '#b388ff', '#ff9100'];
const trackColour = (id: number) => TRACK_COLOURS[id % TRACK_COLOURS.length]!;
/** Frames of a track's path drawn behind it. */
const PATH_FRAMES = 25;
const bottomCentre = (b: Box) => `${((b.x1 + b.x2) / 2).toFixed(1)},${b.y2.toFixed(1)}`;

/**
 * The detector view of a segment (Frigate's debug view): each analysed frame with the detector's boxes (class,
 * score), the tracks (id, path) and the zones, and every stay in a zone with each rule's verdict, so a zone can be
 * tuned by looking. The API computes it with the analysis itself and the zones as they are now.
 */
export function DetectorViewPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const segment = useAsync(() => api.getSegment(id), [id]);
  const view = useAsync(() => api.detectorView(id), [id]);
  const [at, setAt] = useState(0);

  const name = segment.data ? (segment.data.originalName ?? segment.data.fileName) : '';
  return (
    <section aria-labelledby="detector-title" class="detector-view">
      <div class="page-head">
        <h1 id="detector-title">{t('detectorViewTitle', { name })}</h1>
        {segment.data && <a href={href(`/cameras/${segment.data.cameraId}`)}>{t('back')}</a>}
      </div>
      <p class="hint">{t('detectorViewHint')}</p>
      {view.error ? <ErrorNotice error={view.error} onRetry={view.reload} /> : null}
      {view.loading && (
        <p class="muted" role="status">
          {t('detectorViewRunning')}
        </p>
      )}
      {view.data && !view.loading && <Trace segmentId={id} view={view.data} at={at} onAt={setAt} />}
    </section>
  );
}

function Trace({
  segmentId,
  view,
  at,
  onAt,
}: {
  segmentId: string;
  view: DetectorView;
  at: number;
  onAt: (i: number) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const last = Math.max(0, view.frames.length - 1);
  const i = Math.min(at, last);
  const frame = view.frames[i];
  const image = useBlobUrl(frame ? `${segmentId}:${frame.timestamp}` : null, () =>
    api.segmentFrame(segmentId, frame!.timestamp),
  );
  const { width, height } = view.analysedSize;
  const indexOf = (frameIndex: number) =>
    Math.max(
      0,
      view.frames.findIndex((f) => f.index === frameIndex),
    );

  return (
    <>
      <div class="card">
        <div class="row spread">
          <label for="frame-pick">
            {frame ? t('frameAt', { index: frame.index, sec: frame.timestamp.toFixed(1) }) : '—'} ·{' '}
            {t('detections', { n: frame?.detections.length ?? 0 })}
          </label>
          <span class="row">
            <button type="button" class="secondary small" disabled={i === 0} onClick={() => onAt(i - 1)}>
              ◀
            </button>
            <button type="button" class="secondary small" disabled={i === last} onClick={() => onAt(i + 1)}>
              ▶
            </button>
          </span>
        </div>
        <input
          id="frame-pick"
          type="range"
          min={0}
          max={last}
          value={i}
          style={{ width: '100%' }}
          onInput={(e) => onAt(Number(e.currentTarget.value))}
        />
        <div style={{ position: 'relative', width: '100%', aspectRatio: `${width} / ${height}`, background: '#111' }}>
          {typeof image === 'string' && (
            <img src={image} alt="" style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }} />
          )}
          {frame && <Overlay view={view} at={i} />}
        </div>
      </div>
      <StaysTable view={view} onPick={(frameIndex) => onAt(indexOf(frameIndex))} />
      <ClipDownload segmentId={segmentId} />
    </>
  );
}

function Overlay({ view, at }: { view: DetectorView; at: number }) {
  const frame = view.frames[at]!;
  const { width, height } = view.analysedSize;
  const font = Math.max(11, Math.round(height / 45));
  const recent = view.frames.slice(Math.max(0, at - PATH_FRAMES), at + 1);
  const active = new Set(
    view.violations.filter((v) => v.startSec <= frame.timestamp && frame.timestamp <= v.endSec).map((v) => v.zone),
  );
  return (
    <svg
      data-testid="detector-overlay"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', fontSize: `${font}px` }}
    >
      {view.zones.map((z) => {
        const colour = active.has(z.name) ? '#ff2828' : '#ffc400';
        return (
          <g key={z.name} data-zone={z.name}>
            <polygon
              points={z.polygon.map(([x, y]) => `${x * width},${y * height}`).join(' ')}
              fill={colour}
              fill-opacity="0.15"
              stroke={colour}
              stroke-width="2"
            />
            <text x={z.polygon[0]![0] * width + 4} y={z.polygon[0]![1] * height + font * 1.2} fill={colour}>
              {z.name}
            </text>
          </g>
        );
      })}
      {frame.detections.map((d, k) => (
        <g key={`d${k}`} class="detection" data-label={d.label}>
          <rect
            x={d.box.x1}
            y={d.box.y1}
            width={d.box.x2 - d.box.x1}
            height={d.box.y2 - d.box.y1}
            fill="none"
            stroke="white"
            stroke-dasharray="4"
          />
          <text x={d.box.x1} y={d.box.y2 + font} fill="white" stroke="black" stroke-width="0.5">
            {d.label} {d.score.toFixed(2)}
          </text>
        </g>
      ))}
      {frame.tracks
        .filter((tr) => tr.seenNow)
        .map((tr) => {
          const colour = trackColour(tr.id);
          const path = recent.flatMap((f) => f.tracks.filter((x) => x.id === tr.id && x.seenNow).map((x) => x.box));
          return (
            <g key={`t${tr.id}`} class="track" data-track={tr.id}>
              {path.length > 1 && (
                <polyline points={path.map(bottomCentre).join(' ')} fill="none" stroke={colour} stroke-width="2" />
              )}
              <rect
                x={tr.box.x1}
                y={tr.box.y1}
                width={tr.box.x2 - tr.box.x1}
                height={tr.box.y2 - tr.box.y1}
                fill="none"
                stroke={colour}
                stroke-width="2"
              />
              <text x={tr.box.x1} y={tr.box.y1 - 3} fill={colour} stroke="black" stroke-width="0.5">
                #{tr.id} {tr.label}
              </text>
            </g>
          );
        })}
    </svg>
  );
}

type Stay = DetectorView['stays'][number];
type Rules = DetectorView['zones'][number]['rules'];

/** What a rule measured against what the zone asks, in the reader's language (the server's words are the tooltip). */
function measuredText(rule: Stay['checks'][number]['rule'], s: Stay, rules: Rules | undefined, t: Translate): string {
  switch (rule) {
    case 'class':
      return s.label;
    case 'dwell':
      return t('measuredDwell', { value: s.dwellSeconds.toFixed(1), min: rules?.minDwellSeconds ?? '—' });
    case 'displacement':
      return t('measuredDisplacement', { value: s.displacement.toFixed(3), min: rules?.minDisplacement ?? '—' });
    case 'direction':
      return rules?.allowedDirectionDeg == null
        ? t('measuredAnyDirection')
        : t('measuredDirection', {
            value: s.directionDeg ?? '—',
            allowed: rules.allowedDirectionDeg,
            tolerance: rules.directionToleranceDeg,
          });
    case 'rider':
      return rules?.requireRider ? t('measuredRider', { value: Math.round(s.riderShare * 100) }) : t('measuredNoRider');
    default:
      return '';
  }
}

function StaysTable({ view, onPick }: { view: DetectorView; onPick: (frameIndex: number) => void }) {
  const { t } = useI18n();
  const rules = ['class', 'confirmed', 'schedule', 'dwell', 'displacement', 'direction', 'rider'] as const;
  return (
    <section class="card" aria-labelledby="stays-title">
      <h2 id="stays-title">{t('stays')}</h2>
      {view.stays.length === 0 ? (
        <p class="notice warn" role="status">
          {t('noStays')}
        </p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('colTrack')}</th>
                <th scope="col">{t('colZone')}</th>
                <th scope="col">{t('colVerdict')}</th>
                {rules.map((r) => (
                  <th key={r} scope="col">
                    {t(`rule_${r}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.stays.map((s, k) => (
                <tr key={k} data-stay-verdict={s.violation ? 'violation' : 'none'}>
                  <td>
                    <button type="button" class="link" onClick={() => onPick(s.entryFrame)}>
                      #{s.trackId} {s.label} ({s.entryFrame}–{s.exitFrame})
                    </button>
                  </td>
                  <td>{s.zone}</td>
                  <td class={s.violation ? 'error-text' : 'muted'}>
                    <strong>{s.violation ? t('verdictViolation') : t('verdictNoViolation')}</strong>
                  </td>
                  {rules.map((r) => {
                    const c = s.checks.find((x) => x.rule === r);
                    const zone = view.zones.find((z) => z.name === s.zone);
                    return (
                      <td key={r} class={c && !c.pass ? 'error-text' : undefined} title={c?.detail}>
                        {c ? `${c.pass ? '✓' : '✗'} ${measuredText(r, s, zone?.rules, t)}` : '—'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The same overlay drawn on the frames by the server, as an MP4 to keep or share. */
function ClipDownload({ segmentId }: { segmentId: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [state, setState] = useState<{ url: string } | { error: string } | 'busy' | null>(null);
  const fetchClip = async () => {
    setState('busy');
    try {
      setState({ url: URL.createObjectURL(await api.detectorClip(segmentId)) });
    } catch (err) {
      setState({ error: problemText(err, t) });
    }
  };
  return (
    <section class="card">
      {state === 'busy' ? (
        <Loading />
      ) : state && 'url' in state ? (
        <>
          <video src={state.url} controls muted style={{ maxWidth: '100%' }} data-testid="detector-clip" />
          <p>
            <a href={state.url} download={`detector-view-${segmentId}.mp4`}>
              {t('downloadDetectorClip')}
            </a>
          </p>
        </>
      ) : (
        <button type="button" class="secondary" onClick={() => void fetchClip()}>
          {t('downloadDetectorClip')}
        </button>
      )}
      {state && typeof state === 'object' && 'error' in state && (
        <p class="notice error" role="alert">
          {state.error}
        </p>
      )}
    </section>
  );
}
