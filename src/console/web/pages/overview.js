// Where spend and traffic come from: requests, errors, tokens and spend over a range, broken down
// by a dimension, from GET /admin/usage (the rollup tables, never the raw events); totals against
// budgets. Every chart drills down to the logs of the period (and group) picked.
import { Chart } from '../chart.js';
import { get, html, Loaded, money, navigate, num, Page, qs, SpendBar, useData, useQuery } from '../lib.js';

const ranges = { '24h': 'Last 24 hours', '3d': 'Last 3 days', '7d': 'Last 7 days', '30d': 'Last 30 days' };
const dims = { '': 'Nothing', team: 'Team', key: 'Key', user: 'User', model: 'Model', provider: 'Provider' };
const idField = { team: 'team_id', key: 'key_id', user: 'user_id', model: 'model', provider: 'provider' };
const nameField = { team: 'team_name', key: 'key_name', user: 'user_name', model: 'model', provider: 'provider' };
const hourMs = 3_600_000;
const count = (v) => (Number.isInteger(v) ? num(v) : v.toFixed(1));

/** Rows of the usage report as one series per group, top groups by spend first. */
function seriesOf(report, by, tag, metric) {
  const stepMs = report.bucket === 'hour' ? hourMs : 24 * hourMs;
  const start = Date.parse(report.since);
  const n = Math.max(1, Math.round((Date.parse(report.until) - start) / stepMs));
  const x = Array.from({ length: n }, (_, i) => (start + i * stepMs) / 1000);
  const field = tag ? 'tag_value' : by ? idField[by] : null;
  const groups = new Map();
  for (const row of report.data) {
    const id = field ? (row[field] ?? '(none)') : 'all';
    const label = field ? (tag ? id : (row[nameField[by]] ?? id)) : 'All';
    if (!groups.has(id)) groups.set(id, { id, label, values: new Array(n).fill(0), cost: 0 });
    const g = groups.get(id);
    const i = Math.round((Date.parse(row.period.length === 10 ? `${row.period}T00:00Z` : row.period) - start) / stepMs);
    if (i >= 0 && i < n) g.values[i] += metric(row);
    g.cost += row.cost_usd;
  }
  const top = [...groups.values()].sort((a, b) => b.cost - a.cost).slice(0, 8);
  return { x, series: top.length ? top : [{ id: 'all', label: 'All', values: new Array(n).fill(0) }], stepMs };
}

const metrics = [
  { title: 'Requests', of: (r) => r.requests, format: (v) => count(v) },
  { title: 'Errors', of: (r) => r.errors, format: (v) => count(v) },
  { title: 'Tokens (input + output)', of: (r) => r.input_tokens + r.output_tokens, format: (v) => count(v) },
  { title: 'Spend (USD)', of: (r) => r.cost_usd, format: (v) => (v > 0 && v < 0.01 ? `$${v.toPrecision(2)}` : money(v)) },
];

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
  const teams = useData(() => get('/admin/teams', { limit: 100 }), []);
  const drill = (series, stepMs, x) => (s, i) => {
    const params = {};
    if (i >= 0) {
      params.since = new Date(x[i] * 1000).toISOString();
      params.until = new Date(x[i] * 1000 + stepMs).toISOString();
    } else params.since = range;
    const group = series.length === 1 ? series[0] : s;
    if (group && group.id !== 'all' && group.id !== '(none)') {
      if (tag) params.tag = `${tag}=${group.id}`;
      else if (by) params[by] = group.id;
    }
    return params;
  };
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
          ].map(([k, v]) => html`<div class="card" role="listitem"><small>${k}</small><strong>${v}</strong></div>`)}
        </div>
        ${report.data.length === 0
          ? html`<p class="empty">No traffic in this range yet. Send a request through the gateway (or run <code>npm run demo</code>) and it shows here.</p>`
          : html`<div class="charts">${metrics.map((m) => {
              const { x, series, stepMs } = seriesOf(report, by, tag, m.of);
              const pick = drill(series, stepMs, x);
              return html`<${Chart} key=${m.title + by + tag + range} title=${m.title} x=${x} series=${series} format=${m.format}
                onPick=${(i) => {
                  const params = pick(null, i);
                  navigate(`/ui/logs?${qs(params)}`);
                }} />`;
            })}</div>`}`;
    }}</${Loaded}>
    <h2>Budgets</h2>
    <${Loaded} state=${teams} empty=${(d) => d.data.length === 0}>${(list) => html`<${Budgets} teams=${list.data} />`}</${Loaded}>
  </${Page}>`;
}

function Budgets({ teams }) {
  const spend = useData(
    () => Promise.all(teams.slice(0, 50).map((t) => get(`/admin/teams/${encodeURIComponent(t.id)}/spend`).catch(() => null))),
    [teams.map((t) => t.id).join()],
  );
  return html`<${Loaded} state=${spend}>${(rows) => {
    const withBudget = rows.filter((r) => r?.budget);
    if (withBudget.length === 0) return html`<p class="empty">No team has a budget. Set one on the Teams page.</p>`;
    return html`<ul class="budgets">${withBudget.map(
      (r) => html`<li><span class="budget-name">${r.name} <small class="muted">per ${r.period}</small></span>
        <${SpendBar} spent=${r.spent_usd} limit=${r.budget.usd} label=${`${r.name}: spend against budget`} /></li>`,
    )}</ul>`;
  }}</${Loaded}>`;
}
