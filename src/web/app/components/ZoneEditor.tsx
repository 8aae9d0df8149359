import { useRef, useState } from 'preact/hooks';
import type { Point, Zone } from '../api.js';
import { useI18n } from '../i18n.js';
import { insertPoint, movePoint, removePoint } from '../polygon-edit.js';

interface Props {
  imageUrl: string | null;
  /** width / height of the frame */
  aspect: number;
  points: Point[];
  onChange: (points: Point[]) => void;
  /** the camera's other zones, drawn faintly for reference */
  others: Zone[];
  describedBy?: string;
  invalid?: boolean;
}

const NUDGE = 0.005;

const toSvg = (pts: readonly Point[]) => pts.map(([x, y]) => `${x},${y}`).join(' ');

export function ZoneEditor({ imageUrl, aspect, points, onChange, others, describedBy, invalid }: Props) {
  const { t } = useI18n();
  const surface = useRef<HTMLDivElement>(null);
  const vertexRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const dragging = useRef<number | null>(null);

  const toPoint = (e: PointerEvent | MouseEvent): { p: Point; w: number; h: number } => {
    const r = surface.current!.getBoundingClientRect();
    return { p: [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height], w: r.width, h: r.height };
  };

  const focusVertex = (i: number) => {
    setSelected(i);
    requestAnimationFrame(() => vertexRefs.current[i]?.focus());
  };

  const onSurfaceDown = (e: PointerEvent) => {
    if (e.button !== 0 || (e.target as Element).closest('.vertex')) return;
    e.preventDefault();
    const { p, w, h } = toPoint(e);
    const next = insertPoint(points, p, w, h);
    onChange(next.points);
    focusVertex(next.index);
  };

  const onVertexDown = (i: number) => (e: PointerEvent) => {
    if (e.button !== 0) return;
    e.stopPropagation();
    dragging.current = i;
    setSelected(i);
    (e.currentTarget as Element).setPointerCapture(e.pointerId);
  };
  const onVertexMove = (i: number) => (e: PointerEvent) => {
    if (dragging.current !== i) return;
    onChange(movePoint(points, i, toPoint(e).p));
  };
  const onVertexUp = () => {
    dragging.current = null;
  };

  const remove = (i: number) => {
    const next = removePoint(points, i);
    onChange(next);
    if (next.length) focusVertex(Math.min(i, next.length - 1));
    else setSelected(null);
  };

  const onVertexKey = (i: number) => (e: KeyboardEvent) => {
    const step = e.shiftKey ? NUDGE * 5 : NUDGE;
    const [x, y] = points[i]!;
    const moves: Record<string, Point> = {
      ArrowLeft: [x - step, y],
      ArrowRight: [x + step, y],
      ArrowUp: [x, y - step],
      ArrowDown: [x, y + step],
    };
    const to = moves[e.key];
    if (to) {
      e.preventDefault();
      onChange(movePoint(points, i, to));
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      remove(i);
    }
  };

  return (
    <div class="zone-editor">
      <div
        ref={surface}
        class={`surface${invalid ? ' invalid' : ''}`}
        style={{ aspectRatio: String(aspect) }}
        onPointerDown={onSurfaceDown}
        data-testid="zone-surface"
      >
        {imageUrl ? <img src={imageUrl} alt={t('snapshot')} draggable={false} /> : <div class="blank-frame" />}
        <svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
          {others.map((z) => (
            <polygon key={z.id} class="other-zone" points={toSvg(z.polygon)} vector-effect="non-scaling-stroke" />
          ))}
          {points.length >= 3 ? (
            <polygon class="current-zone" points={toSvg(points)} vector-effect="non-scaling-stroke" />
          ) : (
            <polyline class="current-zone open" points={toSvg(points)} vector-effect="non-scaling-stroke" />
          )}
        </svg>
        {others.map((z) =>
          z.polygon[0] ? (
            <span
              key={z.id}
              class="zone-tag"
              style={{ left: `${z.polygon[0][0] * 100}%`, top: `${z.polygon[0][1] * 100}%` }}
            >
              {z.name}
            </span>
          ) : null,
        )}
        <ol class="vertices" aria-label={t('polygon')} aria-describedby={describedBy}>
          {points.map(([x, y], i) => (
            <li key={i}>
              <button
                type="button"
                ref={(el) => {
                  vertexRefs.current[i] = el;
                }}
                class={`vertex${selected === i ? ' selected' : ''}`}
                style={{ left: `${x * 100}%`, top: `${y * 100}%` }}
                aria-label={t('pointLabel', { n: i + 1, x: x.toFixed(3), y: y.toFixed(3) })}
                onPointerDown={onVertexDown(i)}
                onPointerMove={onVertexMove(i)}
                onPointerUp={onVertexUp}
                onPointerCancel={onVertexUp}
                onDblClick={() => remove(i)}
                onKeyDown={onVertexKey(i)}
                onFocus={() => setSelected(i)}
              />
            </li>
          ))}
        </ol>
      </div>
      <div class="row spread editor-foot">
        <span class="muted" aria-live="polite">
          {t('pointCount', { n: points.length })}
        </span>
        <button type="button" class="link" disabled={points.length === 0} onClick={() => onChange([])}>
          {t('clearPoints')}
        </button>
      </div>
    </div>
  );
}
