// Where spend and traffic come from: requests, errors, tokens, spend, latency and time to first
// token over a range, broken down by a dimension, from GET /admin/usage (the rollup tables, never the
// raw events); totals against budgets. Every chart drills down to the logs of the period and the
// series picked.
import { Chart, periodsOf } from '../chart.js';
import { get, html, Link, Loaded, money, navigate, num, Page, qs, SpendBar, useData, useQuery } from '../lib.js';

const ranges = { '24h': 'Last 24 hours', '3d': 'Last 3 days', '7d': 'Last 7 days', '30d': 'Last 30 days' };
const dims = { '': 'Nothing', team: 'Team', key: 'Key', user: 'User', model: 'Model', provider: 'Provider' };
const idField = { team: 'team_id', key: 'key_id', user: 'user_id', model: 'model', provider: 'provider' };
const nameField = { team: 'team_name', key: 'key_name', user: 'user_name', model: 'model', provider: 'provider' };
const count = (v) => (Number.isInteger(v) ? num(v) : v.toFixed(1));
const duration = (v) => (v === null || v === undefined ? '—' : v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} s` : `${Math.round(v)} ms`);

/**
 * Rows of the usage report as one series per group, top groups by spend first. Counts are summed
 * into their period; a percentile is the row's own (one row per group and period), a gap without one.
 */
function seriesOf(report, by, tag, metric, gap) {
  const { stepMs, n, indexOf, x } = periodsOf(report);
  const field = tag ? 'tag_value' : by ? idField[by] : null;
  const groups = new Map();
  for (const row of report.data) {
    const id = field ? (row[field] ?? '(none)') : 'all';
    const label = field ? (tag ? id : (row[nameField[by]] ?? id)) : 'All';
    if (!groups.has(id)) groups.set(id, { id, label, values: new Array(n).fill(gap ? null : 0), cost: 0 });
    const g = groups.get(id);
    const i = indexOf(row.period);
    const value = metric(row);
    if (i >= 0 && i < n && value !== null && value !== undefined) g.values[i] = gap ? value : g.values[i] + value;
    g.cost += row.cost_usd;
  }
  const top = [...groups.values()].sort((a, b) => b.cost - a.cost).slice(0, 8);
  return { x, series: top.length ? top : [{ id: 'all', label: 'All', values: new Array(n).fill(gap ? null : 0) }], stepMs };
}

const sums = [
  { title: 'Requests', of: (r) => r.requests, format: (v) => count(v) },
  { title: 'Errors', of: (r) => r.errors, format: (v) => count(v), status: 'error' },
  { title: 'Tokens (input + output)', of: (r) => r.input_tokens + r.output_tokens, format: (v) => count(v) },
  { title: 'Spend (USD)', of: (r) => r.cost_usd, format: (v) => (v > 0 && v < 0.01 ? `$${v.toPrecision(2)}` : money(v)) },
];
const percentiles = [
  { title: 'Latency', field: 'latency', empty: 'No successful requests in this range.' },
  { title: 'Time to first token', field: 'ttft', empty: 'No successful streamed requests in this range.' },
];

/** The charts of each report, built once: new series would make every chart draw itself again. */
const built = new WeakMap();

/** Every chart: sums per group; percentiles per group at p95, or p50 and p95 without a breakdown. */
function chartsOf(report, by, tag) {
  if (!built.has(report)) built.set(report, buildCharts(report, by, tag));
  return built.get(report);
}

function buildCharts(report, by, tag) {
  const charts = sums.map((m) => ({ ...m, ...seriesOf(report, by, tag, m.of, false) }));
  for (const p of percentiles) {
    const of = (q) => (r) => r[`${p.field}_${q}_ms`];
    const common = { format: duration, empty: p.empty, status: 'success' };
    if (by || tag) charts.push({ title: `${p.title} p95`, ...common, ...seriesOf(report, by, tag, of('p95'), true) });
    else {
      const [p50, p95] = ['p50', 'p95'].map((q) => seriesOf(report, by, tag, of(q), true));
      const series = [{ ...p50.series[0], label: 'p50' }, { ...p95.series[0], label: 'p95' }];
      charts.push({ title: `${p.title} p50 / p95`, ...common, x: p50.x, stepMs: p50.stepMs, series });
    }
  }
  return charts;
}

export function OverviewPage() {
  const [q, setQ] = useQuery();
  const range = ranges[q.range] ? q.range : '7d';
  const by = q.by in dims ? q.by : '';
  const tag = q.tag || '';
  const bucket = range === '24h' || range === '3d' ? 'hour' : 'day';
  const usage = useData(
    () => get('/admin/usage', { since: range, bucket, by: tag ? `tag:${tag}` : by, limit: 1000 }),
    [range, by, tag],
  );
  const budgets = useData(() => get('/admin/budgets', { limit: 100 }), []);
  /** The logs filter of a group (none for all traffic, or for traffic without a value). */
  const groupFilter = (group) => {
    if (!group || group.id === 'all' || group.id === '(none)') return {};
    return tag ? { tag: `${tag}=${group.id}` } : by ? { [by]: group.id } : {};
  };
  const logsOf = (chart) => (i, s) => {
    const period =
      i >= 0
        ? { since: new Date(chart.x[i] * 1000).toISOString(), until: new Date(chart.x[i] * 1000 + chart.stepMs).toISOString() }
        : { since: range };
    const group = chart.series.length === 1 ? chart.series[0] : chart.series[s];
    navigate(`/ui/logs?${qs({ ...period, ...groupFilter(group), status: chart.status })}`);
  };
  const linksOf = (chart) =>
    chart.series
      .filter((g) => Object.keys(groupFilter(g)).length > 0)
      .map((g) => ({ label: g.label, href: `/ui/logs?${qs({ since: range, ...groupFilter(g), status: chart.status })}` }));
  const controls = html`<form class="filters" onSubmit=${(e) => e.preventDefault()}>
    <label class="field"><span>Range</span><select value=${range} onChange=${(e) => setQ({ range: e.target.value })}>
      ${Object.entries(ranges).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    <label class="field"><span>Break down by</span><select value=${by} onChange=${(e) => setQ({ by: e.target.value, tag: '' })}>
      ${Object.entries(dims).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    <label class="field"><span>…or by tag</span><input value=${tag} placeholder="tag name" onChange=${(e) => setQ({ tag: e.target.value, by: '' })} /></label>
  </form>`;
  return html`<${Page} title="Overview" actions=${controls}>
    <${Loaded} state=${usage}>${(report) => {
      const t = report.totals;
      return html`<div class="cards" role="list">
          ${[
            ['Requests', num(t.requests)],
            ['Errors', `${num(t.errors)} (${t.requests ? ((100 * t.errors) / t.requests).toFixed(1) : 0}%)`],
            ['Input tokens', num(t.input_tokens)],
            ['Output tokens', num(t.output_tokens)],
            ['Spend', money(t.cost_usd)],
            ['Latency p50', duration(t.latency_p50_ms)],
            ['Latency p95', duration(t.latency_p95_ms)],
            ['Time to first token p50', duration(t.ttft_p50_ms)],
            ['Time to first token p95', duration(t.ttft_p95_ms)],
          ].map(([k, v]) => html`<div class="card" role="listitem"><small>${k}</small><strong>${v}</strong></div>`)}
        </div>
        ${report.data.length === 0
          ? html`<p class="empty">No traffic in this range yet. Send a request through the gateway (or run <code>npm run demo</code>) and it shows here.</p>`
          : html`<div class="charts">${chartsOf(report, by, tag).map(
              (c) => html`<${Chart} key=${c.title + by + tag + range} title=${c.title} x=${c.x} series=${c.series}
                format=${c.format} empty=${c.empty} onPick=${logsOf(c)} links=${linksOf(c)} />`,
            )}</div>`}`;
    }}</${Loaded}>
    <h2>Budgets</h2>
    <${Loaded} state=${budgets} empty=${Object.assign((d) => d.data.length === 0, {
      text: 'No team, key or user has a budget. Set one on the Teams, Users or Keys page.',
    })}>${(list) => html`<${Budgets} rows=${list.data} />`}</${Loaded}>
  </${Page}>`;
}

const pages = { team: 'teams', key: 'keys', user: 'users' };

/** Spend in the current period against each budget, the closest to its limit first. */
function Budgets({ rows }) {
  const sorted = [...rows].sort((a, b) => b.spent_usd / (b.budget.usd || 1) - a.spent_usd / (a.budget.usd || 1));
  return html`<ul class="budgets">${sorted.map(
    (r) => html`<li><span class="budget-name"><${Link} href=${`/ui/${pages[r.scope]}`}>${r.name}</${Link}>${' '}<small class="muted">${r.scope}, per ${r.period}</small></span>
      <${SpendBar} spent=${r.spent_usd} limit=${r.budget.usd} label=${`${r.scope} ${r.name}: spend against budget`} /></li>`,
  )}</ul>`;
}
