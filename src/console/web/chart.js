// A time-series chart (uPlot) that follows the theme and drills down: clicking a point opens the
// logs of that period and of the series nearest the click; pressing Enter on the chart opens the
// logs behind the whole chart, and each series' logs are links under it (keyboard reachable).
import uPlot from '/ui/vendor/uplot.js';
import { html, Link, useEffect, useRef } from './lib.js';

const palette = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#14b8a6', '#ec4899', '#84cc16'];

/** The series (index into `series`) whose value at `i` lies nearest the cursor's height. */
function nearestSeries(plot, i) {
  const y = plot.posToVal(plot.cursor.top, 'y');
  let best = 0;
  let distance = Number.POSITIVE_INFINITY;
  for (let s = 1; s < plot.series.length; s++) {
    const v = plot.data[s][i];
    if (!plot.series[s].show || v === null || v === undefined) continue;
    if (Math.abs(v - y) < distance) {
      distance = Math.abs(v - y);
      best = s - 1;
    }
  }
  return best;
}

/**
 * `x`: seconds; `series`: [{ label, values }] (null values leave a gap); `onPick(index, series)`
 * drills down (index -1: the whole range); `links`: [{ label, href }] shown under the chart;
 * `empty`: what to say instead of a chart whose every value is missing (a percentile without data).
 */
export function Chart({ title, x, series, format, onPick, links, empty, height = 180 }) {
  const box = useRef(null);
  const blank = empty !== undefined && series.every((s) => s.values.every((v) => v === null));
  useEffect(() => {
    if (!box.current || blank) return;
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const ink = dark ? '#cbd5e1' : '#334155';
    const grid = dark ? '#334155' : '#e2e8f0';
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: Math.max(280, box.current.clientWidth),
        height,
        // No zooming by drag; and uPlot's default swallows a click whose press and release differ
        // by a pixel (a drag), which would lose clicks on points.
        cursor: { drag: { x: false, y: false, click: () => {} } },
        legend: { show: series.length > 1 },
        axes: [axis, { ...axis, size: 84, values: (_u, vals) => vals.map((v) => (format ? format(v) : v)) }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: palette[i % palette.length],
            fill: series.length === 1 ? `${palette[0]}22` : undefined,
            width: 1.5,
            points: { show: x.length < 60 },
            value: (_u, v) => (v === null ? '—' : format ? format(v) : v),
          })),
        ],
      },
      [x, ...series.map((s) => s.values)],
      box.current,
    );
    const over = plot.over;
    const click = () => {
      const i = plot.cursor.idx;
      if (i !== null && i !== undefined && onPick) onPick(i, nearestSeries(plot, i));
    };
    over.addEventListener('click', click);
    const resize = () => plot.setSize({ width: Math.max(280, box.current?.clientWidth ?? 280), height });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [x, series]);
  const key = (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && onPick) {
      e.preventDefault();
      onPick(-1);
    }
  };
  if (blank)
    return html`<figure class="chart"><figcaption>${title}</figcaption><p class="empty">${empty}</p></figure>`;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div ref=${box} class="plot" tabindex="0" role="img" onKeyDown=${key}
      aria-label=${`${title} chart; press Enter to open the logs behind it, or click a point for that period and series`}></div>
    ${links?.length
      ? html`<p class="series-links"><span class="muted">Logs of </span>${links.map(
          (l, i) => html`${i > 0 ? ' · ' : ''}<${Link} href=${l.href}>${l.label}</${Link}>`,
        )}</p>`
      : null}
  </figure>`;
}

export const hourMs = 3_600_000;

/**
 * The periods of a report with `since`, `until` and `bucket` (hour, else day): the step, how many,
 * each period's start in seconds (the x of a Chart), and `indexOf` a row's `period` (an hour, or a
 * day as 2026-12-05) among them.
 */
export function periodsOf(report) {
  const stepMs = report.bucket === 'hour' ? hourMs : 24 * hourMs;
  const start = Date.parse(report.since);
  const n = Math.max(1, Math.round((Date.parse(report.until) - start) / stepMs));
  const indexOf = (period) => Math.round((Date.parse(period.length === 10 ? `${period}T00:00Z` : period) - start) / stepMs);
  return { stepMs, n, indexOf, x: Array.from({ length: n }, (_, i) => (start + i * stepMs) / 1000) };
}
