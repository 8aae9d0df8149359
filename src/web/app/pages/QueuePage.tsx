import { useEffect, useRef, useState } from 'preact/hooks';
import type { Camera, Violation, ViolationFilter, ViolationPage, ViolationStatus, Zone } from '../api.js';
import { isTyping, useAsync, useKeydown } from '../hooks.js';
import { useRecordedViolations } from '../live-queue.js';
import { useI18n } from '../i18n.js';
import { rememberOrder } from '../queue-order.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import { Confidence, EstimatedMark, EvidenceStateBadge, KindLabel, StatusBadge } from '../components/Badges.js';
import { ErrorNotice, Loading } from '../components/Notice.js';
import { BulkBar } from '../components/BulkBar.js';
import { PlateSearch } from '../components/PlateSearch.js';
import { PlateShort } from '../components/PlateReading.js';

const STATUSES: ViolationStatus[] = ['pending', 'needs_second_review', 'confirmed', 'rejected'];

interface Filters {
  cameraId: string;
  zoneId: string;
  status: ViolationStatus | '';
  from: string;
  to: string;
}

function toQuery(f: Filters): ViolationFilter {
  return {
    cameraId: f.cameraId || undefined,
    zoneId: f.zoneId || undefined,
    status: f.status || undefined,
    from: f.from ? new Date(`${f.from}T00:00:00`).toISOString() : undefined,
    to: f.to ? new Date(`${f.to}T23:59:59.999`).toISOString() : undefined,
    limit: 50,
  };
}

/** Where a case goes in a list ordered newest first (start time, then id, as the API pages): -1 past its end. */
function placeOf(list: readonly Violation[], v: Violation): number {
  return list.findIndex((x) => x.startTime < v.startTime || (x.startTime === v.startTime && x.id < v.id));
}

/** How long the note of newly arrived cases stays. */
const ARRIVAL_NOTE_MS = 8_000;

/** Applied filters live in the tab's sessionStorage, so coming back from a case shows the same list. */
const filtersKey = (mode: string) => `motoguard.filters.${mode}`;

function storedFilters(mode: 'queue' | 'second'): Filters {
  const fresh: Filters = {
    cameraId: '',
    zoneId: '',
    status: mode === 'second' ? 'needs_second_review' : 'pending',
    from: '',
    to: '',
  };
  try {
    const saved = JSON.parse(sessionStorage.getItem(filtersKey(mode)) ?? 'null') as Partial<Filters> | null;
    return saved && typeof saved === 'object' ? { ...fresh, ...saved } : fresh;
  } catch {
    return fresh;
  }
}

export function QueuePage({ mode }: { mode: 'queue' | 'second' }) {
  const { t, formatTime } = useI18n();
  const { api } = useSession();
  const [draft, setDraft] = useState<Filters>(() => storedFilters(mode));
  const [filters, setFilters] = useState<Filters>(draft);
  useEffect(() => {
    const restored = storedFilters(mode);
    setDraft(restored);
    setFilters(restored);
  }, [mode]);
  useEffect(() => sessionStorage.setItem(filtersKey(mode), JSON.stringify(filters)), [filters]);

  const cameras = useAsync<Camera[]>(() => api.listCameras().catch(() => []), []);
  const zones = useAsync<Zone[]>(
    () => (draft.cameraId ? api.listZones(draft.cameraId).catch(() => []) : Promise.resolve([])),
    [draft.cameraId],
  );

  const [items, setItems] = useState<Violation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [plate, setPlate] = useState('');
  const query = () => ({ ...toQuery(filters), plate: plate || undefined });
  const page = useAsync(() => api.listViolations(query()), [filters, plate]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [counts, setCounts] = useState<ViolationPage['counts'] | null>(null);
  useEffect(() => {
    if (!page.data) return;
    setItems(page.data.items);
    setCursor(page.data.nextCursor);
    setCounts(page.data.counts);
    setSelected(new Set());
  }, [page.data]);

  // A case recorded while the list is open joins it in place, if the filters take it, with a quiet note; what the
  // reviewer selected or has in focus stays as it was.
  const [arrived, setArrived] = useState(0);
  const arrivalTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(arrivalTimer.current), []);
  useRecordedViolations((id, cameraId) => {
    if (filters.cameraId && filters.cameraId !== cameraId) return;
    api.listViolations(query()).then(
      (fresh) => {
        const v = fresh.items.find((x) => x.id === id);
        if (!v || items.some((x) => x.id === id)) return;
        const at = placeOf(items, v);
        // beyond the rows loaded so far: "load more" brings it
        if (at < 0 && cursor) return;
        setItems((prev) => {
          const i = placeOf(prev, v);
          return i < 0 ? [...prev, v] : [...prev.slice(0, i), v, ...prev.slice(i)];
        });
        if (at >= 0 && at <= active) setActive((a) => a + 1);
        setCounts(fresh.counts);
        setArrived((n) => n + 1);
        clearTimeout(arrivalTimer.current);
        arrivalTimer.current = setTimeout(() => setArrived(0), ARRIVAL_NOTE_MS);
      },
      () => undefined,
    );
  });
  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  useEffect(() => rememberOrder(items.map((v) => v.id)), [items]);

  const loadMore = async () => {
    if (!cursor) return;
    const next = await api.listViolations({ ...query(), cursor });
    setItems((prev) => [...prev, ...next.items]);
    setCursor(next.nextCursor);
  };

  const [active, setActive] = useState(0);
  const rows = useRef<(HTMLTableRowElement | null)[]>([]);
  useKeydown((e) => {
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey || items.length === 0) return;
    // By key position (code), not the character: with a Korean layout in 한글 mode J types ㅓ.
    let next: number;
    if (e.code === 'KeyJ' || e.code === 'KeyN' || e.key === 'ArrowDown') next = Math.min(active + 1, items.length - 1);
    else if (e.code === 'KeyK' || e.key === 'ArrowUp') next = Math.max(active - 1, 0);
    else if (e.key === 'Enter' && document.activeElement === rows.current[active]) {
      navigate(`/violations/${items[active]!.id}`);
      return;
    } else return;
    e.preventDefault();
    setActive(next);
    rows.current[next]?.focus();
  });

  const apply = (e: Event) => {
    e.preventDefault();
    setFilters({ ...draft });
  };

  const title = mode === 'second' ? t('secondReviewTitle') : t('queueTitle');
  return (
    <section aria-labelledby="queue-title">
      <div class="page-head">
        <h1 id="queue-title">{title}</h1>
        {counts && (
          <p class="counts" aria-live="polite">
            {t('countByStatus', {
              pending: counts.pending,
              second: counts.needs_second_review,
              confirmed: counts.confirmed,
              rejected: counts.rejected,
            })}
          </p>
        )}
      </div>
      <div class="toast-region" role="status" aria-live="polite">
        {arrived > 0 && <p class="toast">{t('queueArrived', { n: arrived })}</p>}
      </div>
      {mode === 'second' && <p class="hint">{t('secondReviewHint')}</p>}
      <form class="filters" onSubmit={apply}>
        <label>
          {t('filterCamera')}
          <select
            value={draft.cameraId}
            onChange={(e) => setDraft({ ...draft, cameraId: e.currentTarget.value, zoneId: '' })}
          >
            <option value="">{t('all')}</option>
            {/* `selected` on the option too: a value restored before the cameras load is otherwise not shown */}
            {(cameras.data ?? []).map((c) => (
              <option key={c.id} value={c.id} selected={c.id === draft.cameraId}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filterZone')}
          <select
            value={draft.zoneId}
            disabled={!draft.cameraId}
            onChange={(e) => setDraft({ ...draft, zoneId: e.currentTarget.value })}
          >
            <option value="">{t('all')}</option>
            {(zones.data ?? []).map((z) => (
              <option key={z.id} value={z.id} selected={z.id === draft.zoneId}>
                {z.name}
              </option>
            ))}
          </select>
        </label>
        {mode === 'queue' && (
          <label>
            {t('filterStatus')}
            <select
              value={draft.status}
              onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value as ViolationStatus | '' })}
            >
              <option value="">{t('all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`status_${s}`)}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('filterFrom')}
          <input type="date" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
        </label>
        <label>
          {t('filterTo')}
          <input type="date" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
        </label>
        <button type="submit">{t('applyFilters')}</button>
      </form>
      <PlateSearch value={plate} onSearch={setPlate} />
      <BulkBar selected={items.filter((v) => selected.has(v.id))} onDone={page.reload} />

      {page.error ? <ErrorNotice error={page.error} onRetry={page.reload} /> : null}
      {page.loading && items.length === 0 ? <Loading /> : null}
      {!page.loading && !page.error && items.length === 0 ? <p class="empty">{t('emptyQueue')}</p> : null}
      {items.length > 0 && (
        <>
          <p class="hint" id="queue-keys">
            {t('countShown', { n: items.length })} · {t('queueKeysHint')}
          </p>
          <div class="table-wrap">
            <table class="queue" aria-describedby="queue-keys">
              <thead>
                <tr>
                  <th scope="col" class="select-cell">
                    <input
                      type="checkbox"
                      aria-label={t('selectAll')}
                      checked={items.length > 0 && selected.size === items.length}
                      onChange={(e) => setSelected(new Set(e.currentTarget.checked ? items.map((v) => v.id) : []))}
                    />
                  </th>
                  <th scope="col">{t('colTime')}</th>
                  <th scope="col">{t('colCamera')}</th>
                  <th scope="col">{t('colZone')}</th>
                  <th scope="col">{t('colPlate')}</th>
                  <th scope="col">{t('colConfidence')}</th>
                  <th scope="col">{t('colStatus')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((v, i) => (
                  <tr
                    key={v.id}
                    ref={(el) => {
                      rows.current[i] = el;
                    }}
                    tabIndex={i === active ? 0 : -1}
                    class={i === active ? 'active' : undefined}
                    data-violation-id={v.id}
                    onFocus={() => setActive(i)}
                    onClick={(e) =>
                      !(e.target as Element).closest('a, .select-cell') && navigate(`/violations/${v.id}`)
                    }
                  >
                    <td class="select-cell">
                      <input
                        type="checkbox"
                        aria-label={`${t('selectRow')} ${v.plateText ?? v.id.slice(0, 8)}`}
                        checked={selected.has(v.id)}
                        onChange={(e) => toggle(v.id, e.currentTarget.checked)}
                      />
                    </td>
                    <td>
                      <a href={href(`/violations/${v.id}`)} tabIndex={-1}>
                        {formatTime(v.startTime, v.camera.timezone)}
                      </a>{' '}
                      <EstimatedMark estimated={v.timeEstimated} />
                    </td>
                    <td>{v.camera.name}</td>
                    <td>
                      {v.zoneName}{' '}
                      <span class="muted">
                        (<KindLabel kind={v.zoneKind} />)
                      </span>
                    </td>
                    <td class="plate-cell">
                      <PlateShort violation={v} />
                    </td>
                    <td>
                      <Confidence value={v.plateConfidence} />
                    </td>
                    <td>
                      <StatusBadge status={v.status} /> <EvidenceStateBadge state={v.evidenceState} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {cursor && (
            <button type="button" class="secondary" onClick={loadMore}>
              {t('loadMore')}
            </button>
          )}
        </>
      )}
    </section>
  );
}
