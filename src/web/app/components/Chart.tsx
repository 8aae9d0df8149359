import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const HEIGHT = 220;
const PALETTE = ['#1f4fa3', '#b3261e', '#1e7a3c', '#8a5a00', '#6b3fa0', '#0f7c8c', '#c2410c', '#5b6676'];

export const chartColor = (i: number) => PALETTE[i % PALETTE.length]!;

/** A uPlot chart sized to its container, drawn again when its data change. */
function UPlot({
  opts,
  data,
  label,
}: {
  opts: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const chart = new uPlot({ ...opts, width: el.clientWidth || 480, height: HEIGHT }, data, el);
    const resize = new ResizeObserver(() => chart.setSize({ width: el.clientWidth || 480, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
    // the options are made afresh on each render: the data and label say when the chart must be drawn again
  }, [JSON.stringify(data), label]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}

/**
 * Bars over named categories (cameras, zones, hours), one series; the numbers are also in a table that screen
 * readers read in place of the canvas.
 */
export function BarChart({
  label,
  categories,
  values,
  color = chartColor(0),
  format = String,
  labelEvery = 1,
}: {
  label: string;
  categories: string[];
  values: number[];
  color?: string;
  format?: (n: number) => string;
  /** name every n-th category only, where all would crowd the axis (hours) */
  labelEvery?: number;
}) {
  const x = categories.map((_, i) => i);
  const opts: Omit<uPlot.Options, 'width' | 'height'> = {
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: [-0.5, Math.max(categories.length, 1) - 0.5] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
    },
    axes: [
      {
        splits: () => x,
        values: (_u, splits) => splits.map((s) => (s % labelEvery === 0 ? (categories[s] ?? '') : '')),
        gap: 4,
      },
      { values: (_u, splits) => splits.map(format) },
    ],
    series: [
      {},
      {
        label,
        fill: color,
        stroke: color,
        width: 0,
        paths: uPlot.paths.bars!({ size: [0.7, 80] }),
        points: { show: false },
      },
    ],
  };
  return (
    <>
      <UPlot opts={opts} data={[x, values]} label={label} />
      <table class="sr-only">
        <caption>{label}</caption>
        <tbody>
          {categories.map((c, i) => (
            <tr key={c}>
              <th scope="row">{c}</th>
              <td>{format(values[i] ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Lines over days, one per series (reviewers); `days` are YYYY-MM-DD. */
export function DayLines({
  label,
  days,
  series,
}: {
  label: string;
  days: string[];
  series: { name: string; values: number[] }[];
}) {
  const opts: Omit<uPlot.Options, 'width' | 'height'> = {
    cursor: { drag: { x: false, y: false } },
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
    series: [
      {},
      ...series.map((s, i) => ({ label: s.name, stroke: chartColor(i), width: 2, points: { show: days.length < 40 } })),
    ],
  };
  const x = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  return (
    <UPlot
      opts={{ ...opts, tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'UTC') }}
      data={[x, ...series.map((s) => s.values)]}
      label={label}
    />
  );
}
