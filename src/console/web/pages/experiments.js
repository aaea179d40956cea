// Experiments: per experiment, its variants side by side (weight, requests, errors, latency, cost,
// scores) over a range, and a chart of requests per variant from the usage report.
import { Chart, hourMs } from '../chart.js';
import {
  get,
  html,
  Link,
  Loaded,
  money,
  ms,
  navigate,
  num,
  Page,
  qs,
  Table,
  useData,
  useQuery,
} from '../lib.js';

const ranges = { '24h': 'Last 24 hours', '3d': 'Last 3 days', '7d': 'Last 7 days', '30d': 'Last 30 days' };
const percent = (f) => (f === null || f === undefined ? '—' : `${(f * 100).toFixed(1)}%`);
const scoresText = (scores) =>
  Object.entries(scores)
    .map(([name, s]) => `${name} ${s.mean.toFixed(2)} (${s.count})`)
    .join(', ') || '—';

export function ExperimentsPage() {
  const [q, setQ] = useQuery();
  const range = ranges[q.range] ? q.range : '7d';
  const state = useData(() => get('/admin/experiments', { since: range }), [range]);
  const controls = html`<form class="filters" onSubmit=${(e) => e.preventDefault()}>
    <label class="field"><span>Range</span><select value=${range} onChange=${(e) => setQ({ range: e.target.value })}>
      ${Object.entries(ranges).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
  </form>`;
  return html`<${Page} title="Experiments" actions=${controls}>
    <${Loaded} state=${state} empty=${Object.assign((d) => d.data.length === 0, { text: 'No experiments: configure one under experiments: (docs/routing.md) and its variants show here.' })}>
      ${(report) => report.data.map((e) => html`<${Experiment} key=${e.name} e=${e} range=${range} />`)}
    </${Loaded}>
  </${Page}>`;
}

function Experiment({ e, range }) {
  const logs = (params) => `/ui/logs?${qs({ experiment: e.name, since: range, ...params })}`;
  const rows = [
    ...e.variants,
    ...(e.shadow ? [{ name: 'shadow', ...e.shadow, weight: null, share: null }] : []),
  ];
  return html`<section class="experiment" aria-labelledby=${`exp-${e.name}`}>
    <h2 id=${`exp-${e.name}`}>${e.name} <small class=${e.status === 'running' ? 'good' : 'muted'}>${e.status}</small></h2>
    <p class="muted">${
      e.model
        ? `Splits calls to "${e.model}", sticky by ${e.sticky_by}${e.shadow ? `; mirrors ${e.shadow.percent}% to ${e.shadow.model}` : ''}.`
        : 'No longer configured; its traffic in this range is shown.'
    } <${Link} href=${logs({})}>Logs of ${e.name}</${Link}></p>
    <${Table} caption=${`Variants of ${e.name}`} rowKey=${(v) => v.name} rows=${rows} columns=${[
      { label: 'Variant', render: (v) => html`<${Link} href=${logs({ variant: v.name })}>${v.name}</${Link}>` },
      { label: 'Model', render: (v) => v.model ?? '—' },
      {
        label: 'Weight',
        num: true,
        render: (v) =>
          v.share === null
            ? v.percent !== undefined
              ? `${v.percent}% mirrored`
              : '—'
            : `${v.weight} (${percent(v.share)})`,
      },
      { label: 'Requests', num: true, render: (v) => num(v.requests) },
      {
        label: 'Errors',
        num: true,
        render: (v) => html`<span class=${v.errors > 0 ? 'bad' : ''}>${num(v.errors)}</span>`,
      },
      { label: 'Error rate', num: true, render: (v) => percent(v.error_rate) },
      { label: 'p50', num: true, render: (v) => ms(v.latency_p50_ms) },
      { label: 'p95', num: true, render: (v) => ms(v.latency_p95_ms) },
      { label: 'Cost', num: true, render: (v) => money(v.cost_usd) },
      {
        label: 'Scores',
        render: (v) => (v.differed !== undefined ? `${num(v.differed)} differed` : scoresText(v.scores)),
      },
    ]} />
    ${e.variants.some((v) => v.requests > 0) ? html`<${VariantChart} e=${e} range=${range} logs=${logs} />` : null}
  </section>`;
}

const charts = [
  { title: 'Requests', of: (r) => r.requests, format: (v) => num(v) },
  {
    title: 'Cost (USD)',
    of: (r) => r.cost_usd,
    format: (v) => (v > 0 && v < 0.01 ? `$${v.toPrecision(2)}` : money(v)),
  },
];

/** Requests and cost per variant per hour, from GET /admin/usage?by=experiment,variant. */
function VariantChart({ e, range, logs }) {
  const state = useData(
    () =>
      get('/admin/usage', {
        by: 'experiment,variant',
        experiment: e.name,
        since: range,
        bucket: 'hour',
        limit: 1000,
      }),
    [e.name, range],
  );
  // Series in the table's order, so that colours follow the rows.
  const order = [...e.variants.map((v) => v.name), 'shadow'];
  return html`<${Loaded} state=${state}>${(report) => {
    const start = Math.floor(Date.parse(report.since) / hourMs) * hourMs;
    const n = Math.max(1, Math.ceil((Date.parse(report.until) - start) / hourMs));
    const x = Array.from({ length: n }, (_, i) => (start + i * hourMs) / 1000);
    const seriesOf = (of) => {
      const series = new Map(
        order.map((name) => [name, { label: name, values: new Array(n).fill(0), seen: false }]),
      );
      for (const row of report.data) {
        const s = series.get(row.variant);
        const i = Math.round((Date.parse(row.period) - start) / hourMs);
        if (!s || i < 0 || i >= n) continue;
        s.values[i] += of(row);
        s.seen = true;
      }
      return [...series.values()].filter((s) => s.seen);
    };
    const pick = (i) =>
      navigate(
        i < 0
          ? logs({})
          : logs({
              since: new Date(x[i] * 1000).toISOString(),
              until: new Date(x[i] * 1000 + hourMs).toISOString(),
            }),
      );
    return html`<div class="charts" style=${{ marginTop: '12px' }}>${charts.map(
      (c) => html`<${Chart} key=${e.name + range + c.title} title=${`${c.title} per variant per hour`} x=${x}
        series=${seriesOf(c.of)} format=${c.format} onPick=${pick} height=${150} />`,
    )}</div>`;
  }}</${Loaded}>`;
}
