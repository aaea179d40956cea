// Guardrails: verdicts over time (GET /admin/guardrails/verdicts), one chart per guardrail or team
// with enforced actions and shadow verdicts as separate lines, each chart opening its logs; the same
// verdicts summed in a table; and a backtest of a draft policy over stored traffic.
import { Chart, periodsOf } from '../chart.js';
import { api, get, html, Link, Loaded, navigate, num, Page, qs, Table, useQuery, useData, useState } from '../lib.js';

const actions = ['blocked', 'redacted', 'warned', 'error'];
const ranges = { '24h': 'Last 24 hours', '3d': 'Last 3 days', '7d': 'Last 7 days', '30d': 'Last 30 days' };
const dims = { guardrail: 'Guardrail', team: 'Team' };
/** Charts drawn; the table lists every group. */
const maxCharts = 8;

/** The report's rows as one chart per group: a line per enforced action, and one for shadow. */
function chartsOf(report, by) {
  const { stepMs, n, indexOf, x } = periodsOf(report);
  const groups = new Map();
  for (const row of report.data) {
    const id = by === 'team' ? (row.team_id ?? '') : row.guardrail;
    const label = by === 'team' ? (row.team_name ?? row.team_id ?? 'No team') : row.guardrail;
    if (!groups.has(id)) groups.set(id, { id, label, total: 0, lines: new Map() });
    const g = groups.get(id);
    const i = indexOf(row.period);
    if (i < 0 || i >= n) continue;
    g.total += row.verdicts;
    const add = (name, value) => {
      if (!value) return;
      if (!g.lines.has(name)) g.lines.set(name, new Array(n).fill(0));
      g.lines.get(name)[i] += value;
    };
    if (row.mode === 'shadow') add('shadow (not enforced)', row.verdicts);
    else for (const a of actions) add(a, row[a]);
  }
  const charts = [...groups.values()].sort((a, b) => b.total - a.total);
  // Every chart has the same lines (those any group has), so that a line keeps its colour throughout.
  const used = [...actions, 'shadow (not enforced)'].filter((l) => charts.some((g) => g.lines.has(l)));
  const series = (g) => used.map((label) => ({ label, values: g.lines.get(label) ?? new Array(n).fill(0) }));
  return { x, stepMs, charts: charts.map((g) => ({ ...g, series: series(g) })) };
}

/** The rows summed over the range, per group and mode, for the table. */
function totalsOf(report, by) {
  const rows = new Map();
  for (const row of report.data) {
    const id = by === 'team' ? (row.team_id ?? '') : row.guardrail;
    const key = `${id}|${row.mode}`;
    if (!rows.has(key))
      rows.set(key, { id, label: by === 'team' ? (row.team_name ?? row.team_id ?? 'No team') : row.guardrail, mode: row.mode, blocked: 0, redacted: 0, warned: 0, error: 0 });
    const r = rows.get(key);
    for (const a of actions) r[a] += row[a];
  }
  return [...rows.values()].sort((a, b) => a.label.localeCompare(b.label) || a.mode.localeCompare(b.mode));
}

export function GuardrailsPage() {
  const [q, setQ] = useQuery();
  const range = ranges[q.since] ? q.since : '7d';
  const by = q.by in dims ? q.by : 'guardrail';
  const team = q.team || '';
  const bucket = range === '24h' || range === '3d' ? 'hour' : 'day';
  const state = useData(
    () => get('/admin/guardrails/verdicts', { since: range, bucket, by, team }),
    [range, by, team],
  );
  const logsOf = (shown, id, from, to) => {
    const params = { since: from ?? range, until: to, team };
    if (shown === 'team') params.team = id;
    else params.guardrail = id;
    return `/ui/logs?${qs(params)}`;
  };
  const controls = html`<form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label="Verdict filters">
    <label class="field"><span>Range</span><select value=${range} onChange=${(e) => setQ({ since: e.target.value })}>
      ${Object.entries(ranges).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    <label class="field"><span>One chart per</span><select value=${by} onChange=${(e) => setQ({ by: e.target.value })}>
      ${Object.entries(dims).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    <label class="field"><span>Team</span><input value=${team} placeholder="all (id or name)" onChange=${(e) => setQ({ team: e.target.value })} /></label>
  </form>`;
  return html`<${Page} title="Guardrails" actions=${controls}>
    <${Loaded} state=${state}>${(report) => {
      const t = report.totals;
      const cards = [
        ...actions.map((a) => [`Enforced: ${a}`, num(t.enforce[a])]),
        ['Shadow verdicts', num(t.shadow.verdicts)],
      ];
      if (report.data.length === 0)
        return html`<p class="empty">No guardrail blocked, redacted, warned or failed in this range. Verdicts show here once traffic passes a guardrail that acts (see docs/guardrails.md); shadow-mode guardrails show theirs too.</p>`;
      // The answer's own breakdown: while another one loads, the last answer is still shown.
      const shown = report.by.includes('team') ? 'team' : 'guardrail';
      const { x, stepMs, charts } = chartsOf(report, shown);
      return html`<div class="cards" role="list">${cards.map(([k, v]) => html`<div class="card" role="listitem"><small>${k}</small><strong>${v}</strong></div>`)}</div>
        <div class="charts">${charts.slice(0, maxCharts).map(
          (g) => html`<${Chart} key=${g.id + shown + range + team} title=${`${dims[shown]} ${g.label}: verdicts per ${report.bucket}`} x=${x} series=${g.series}
            format=${(v) => (Number.isInteger(v) ? num(v) : v.toFixed(1))}
            onPick=${(i) => navigate(i < 0 ? logsOf(shown, g.id) : logsOf(shown, g.id, new Date(x[i] * 1000).toISOString(), new Date(x[i] * 1000 + stepMs).toISOString()))} />`,
        )}</div>
        ${charts.length > maxCharts ? html`<p class="muted">${charts.length - maxCharts} more in the table below.</p>` : null}
        <h2>Totals by ${dims[shown].toLowerCase()}</h2>
        <${Table} caption="Verdicts in this range; shadow verdicts were recorded, not enforced" columns=${[
          { label: dims[shown], render: (r) => html`<${Link} href=${logsOf(shown, r.id)}>${r.label}</${Link}>` },
          { label: 'Mode', render: (r) => (r.mode === 'shadow' ? html`<span class="muted">shadow</span>` : 'enforce') },
          ...actions.map((a) => ({ label: a[0].toUpperCase() + a.slice(1), key: a, num: true })),
        ]} rows=${totalsOf(report, shown)} rowKey=${(r) => `${r.id}|${r.mode}`} />`;
    }}</${Loaded}>
    <h2>Backtest a draft policy</h2>
    <${Backtest} />
  </${Page}>`;
}

const example = JSON.stringify({ guardrails: { 'no-pii': { type: 'pii', action: 'redact' } } }, null, 2);

function Backtest() {
  const [policy, setPolicy] = useState(example);
  const [since, setSince] = useState('7d');
  const [result, setResult] = useState(null);
  const [error, setError] = useState('');
  const run = async (e) => {
    e.preventDefault();
    setError('');
    try {
      setResult(await api('POST', '/admin/guardrails/backtest', { policy: JSON.parse(policy), since }));
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="backtest" onSubmit=${run} aria-label="Backtest">
      <label class="field"><span>Draft policy (JSON, gatehouse.yaml's shape)</span>
        <textarea rows="6" value=${policy} onInput=${(e) => setPolicy(e.target.value)}></textarea></label>
      <label class="field"><span>Over</span><input value=${since} onInput=${(e) => setSince(e.target.value)} /></label>
      <button type="submit" class="primary">Run backtest</button>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </form>
    ${result
      ? html`<p>${result.events_scanned} stored requests replayed; ${result.events_without_body} had no body kept.</p>
        <${Table} caption="What the draft would have done" columns=${[
          { label: 'Team', render: (t) => t.team ?? t.team_id ?? '—' },
          { label: 'Requests', key: 'requests', num: true },
          { label: 'Blocked', key: 'blocked', num: true },
          { label: 'Redacted', key: 'redacted', num: true },
          { label: 'Warned', key: 'warned', num: true },
          { label: 'Check p95', render: (t) => `${t.check_ms_p95.toFixed(2)} ms`, num: true },
        ]} rows=${result.teams} />`
      : null}`;
}
