import { useState } from 'preact/hooks';
import type { Camera, Stats, StatsFilter, Zone } from '../api.js';
import { useAsync } from '../hooks.js';
import { useI18n, type Translate } from '../i18n.js';
import { useSession } from '../session.js';
import { BarChart, DayLines, chartColor } from '../components/Chart.js';
import { ErrorNotice, Loading } from '../components/Notice.js';

/** A zone whose decided cases are rejected this often or more is marked: it raises false alarms. */
const HIGH_REJECT_RATE = 0.5;
const DAY_MS = 86_400_000;

/** A date as YYYY-MM-DD in the viewer's own calendar. */
function localDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function lastThirtyDays(): Required<Pick<StatsFilter, 'from' | 'to'>> {
  const today = new Date();
  return { from: localDay(new Date(today.getTime() - 29 * DAY_MS)), to: localDay(today) };
}

/** Every day of the period, both ends included. */
function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function age(seconds: number | null, t: Translate): string {
  if (seconds === null) return '—';
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  return hours >= 24
    ? t('ageDays', { d: Math.floor(hours / 24), h: hours % 24 })
    : t('ageHours', { h: hours, m: minutes % 60 });
}

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

/** Violations by camera, zone, hour and weekday, each zone's false alarms, the backlog and the reviewers' pace. */
export function StatsPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const [draft, setDraft] = useState<StatsFilter>(() => ({ ...lastThirtyDays() }));
  const [filter, setFilter] = useState<StatsFilter>(draft);
  const cameras = useAsync<Camera[]>(() => api.listCameras().catch(() => []), []);
  const zones = useAsync<Zone[]>(
    () => (draft.cameraId ? api.listZones(draft.cameraId).catch(() => []) : Promise.resolve([])),
    [draft.cameraId],
  );
  const stats = useAsync<Stats>(() => api.statistics(filter), [filter]);

  const apply = (e: Event) => {
    e.preventDefault();
    setFilter({ ...draft });
  };
  const set = (patch: Partial<StatsFilter>) => setDraft((d) => ({ ...d, ...patch }));

  return (
    <section aria-labelledby="stats-title">
      <div class="page-head">
        <h1 id="stats-title">{t('statsTitle')}</h1>
      </div>
      <p class="hint">{t('statsHint')}</p>
      <form class="filters" onSubmit={apply}>
        <label>
          {t('filterCamera')}
          <select
            value={draft.cameraId ?? ''}
            onChange={(e) => set({ cameraId: e.currentTarget.value || undefined, zoneId: undefined })}
          >
            <option value="">{t('all')}</option>
            {(cameras.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filterZone')}
          <select
            value={draft.zoneId ?? ''}
            disabled={!draft.cameraId}
            onChange={(e) => set({ zoneId: e.currentTarget.value || undefined })}
          >
            <option value="">{t('all')}</option>
            {(zones.data ?? []).map((z) => (
              <option key={z.id} value={z.id}>
                {z.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('filterFrom')}
          <input type="date" required value={draft.from} onInput={(e) => set({ from: e.currentTarget.value })} />
        </label>
        <label>
          {t('filterTo')}
          <input type="date" required value={draft.to} onInput={(e) => set({ to: e.currentTarget.value })} />
        </label>
        <button type="submit">{t('applyFilters')}</button>
      </form>
      {stats.error ? <ErrorNotice error={stats.error} onRetry={stats.reload} /> : null}
      {stats.loading && !stats.data ? <Loading /> : null}
      {stats.data && <StatsView stats={stats.data} />}
    </section>
  );
}

function StatsView({ stats }: { stats: Stats }) {
  const { t } = useI18n();
  const zoneName = (z: Stats['zones'][number]) => `${z.cameraName} · ${z.zoneName ?? t('statsZoneDeleted')}`;
  const days = daysOf(stats.period.from, stats.period.to);
  const weekdays = t('weekdayNames').split(',');
  return (
    <>
      <div class="stats-tiles">
        <div class="card">
          <div class="muted">{t('statsTotal')}</div>
          <p class="figure" data-testid="stats-total">
            {stats.total}
          </p>
        </div>
        <div class="card">
          <div class="muted">{t('statsBacklog')}</div>
          <p class="figure" data-testid="stats-backlog">
            {stats.backlog.open}
          </p>
        </div>
        <div class="card">
          <div class="muted">{t('statsOldest')}</div>
          <p class="figure">{age(stats.backlog.oldestAgeSeconds, t)}</p>
        </div>
        <div class="card">
          <div class="muted">{t('statsMedian')}</div>
          <p class="figure">{age(stats.backlog.medianAgeSeconds, t)}</p>
        </div>
      </div>
      {stats.total === 0 && <p class="empty">{t('statsEmpty')}</p>}
      <div class="stats-grid">
        <figure class="card">
          <figcaption>{t('statsByCamera')}</figcaption>
          <BarChart
            label={t('statsByCamera')}
            categories={stats.cameras.map((c) => c.name)}
            values={stats.cameras.map((c) => c.violations)}
          />
        </figure>
        <figure class="card">
          <figcaption>{t('statsByZone')}</figcaption>
          <BarChart
            label={t('statsByZone')}
            categories={stats.zones.map(zoneName)}
            values={stats.zones.map((z) => z.violations)}
            color={chartColor(5)}
          />
        </figure>
        <figure class="card">
          <figcaption>{t('statsByHour')}</figcaption>
          <BarChart
            label={t('statsByHour')}
            categories={stats.byHour.map((_, h) => t('hourLabel', { h }))}
            values={stats.byHour}
            color={chartColor(2)}
            labelEvery={3}
          />
        </figure>
        <figure class="card">
          <figcaption>{t('statsByWeekday')}</figcaption>
          <BarChart label={t('statsByWeekday')} categories={weekdays} values={stats.byWeekday} color={chartColor(3)} />
        </figure>
        <figure class="card">
          <figcaption>{t('statsRejectRate')}</figcaption>
          <BarChart
            label={t('statsRejectRate')}
            categories={stats.zones.map(zoneName)}
            values={stats.zones.map((z) => z.rejectRate ?? 0)}
            color={chartColor(1)}
            format={(n) => percent(n)}
          />
        </figure>
        <figure class="card">
          <figcaption>{t('statsThroughput')}</figcaption>
          <DayLines
            label={t('statsThroughput')}
            days={days}
            series={stats.reviewers.map((r) => {
              const byDay = new Map(r.days.map((d) => [d.day, d.reviews]));
              return { name: r.label, values: days.map((d) => byDay.get(d) ?? 0) };
            })}
          />
        </figure>
      </div>
      <h2>{t('statsZoneTable')}</h2>
      <div class="table-wrap">
        <table data-testid="stats-zones">
          <thead>
            <tr>
              <th scope="col">{t('colZone')}</th>
              <th scope="col" class="num">
                {t('colViolations')}
              </th>
              <th scope="col" class="num">
                {t('colConfirmed')}
              </th>
              <th scope="col" class="num">
                {t('colRejected')}
              </th>
              <th scope="col" class="num">
                {t('colOpen')}
              </th>
              <th scope="col" class="num">
                {t('colRejectRate')}
              </th>
            </tr>
          </thead>
          <tbody>
            {stats.zones.map((z) => (
              <tr
                key={`${z.cameraId}/${z.zoneId}`}
                class={z.rejectRate !== null && z.rejectRate >= HIGH_REJECT_RATE ? 'high-reject' : undefined}
              >
                <th scope="row">{zoneName(z)}</th>
                <td class="num">{z.violations}</td>
                <td class="num">{z.confirmed}</td>
                <td class="num">{z.rejected}</td>
                <td class="num">{z.open}</td>
                <td class="num">{percent(z.rejectRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{t('statsReviewers')}</h2>
      <div class="table-wrap">
        <table data-testid="stats-reviewers">
          <thead>
            <tr>
              <th scope="col">{t('colReviewer')}</th>
              <th scope="col" class="num">
                {t('colReviews')}
              </th>
              <th scope="col" class="num">
                {t('colPerDay')}
              </th>
            </tr>
          </thead>
          <tbody>
            {stats.reviewers.map((r) => (
              <tr key={`${r.kind}/${r.id}`}>
                <th scope="row">{r.label}</th>
                <td class="num">{r.total}</td>
                <td class="num">{(r.total / r.days.length).toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
