// The response cache: hit rate and money saved over time by model or team (GET /admin/usage, the
// rollups), the same per group in a table with a purge of that group's entries, and a purge of all
// of it, a model's entries or a team's.
import { Chart, periodsOf } from '../chart.js';
import { Action, api, Field, get, html, Link, Loaded, money, navigate, num, Page, qs, Table, useData, useQuery, useState } from '../lib.js';

const ranges = { '24h': 'Last 24 hours', '3d': 'Last 3 days', '7d': 'Last 7 days', '30d': 'Last 30 days' };
const dims = { model: 'Model', team: 'Team' };
const idField = { model: 'model', team: 'team_id' };
const percent = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`);
const dollars = (v) => (v > 0 && v < 0.01 ? `$${v.toPrecision(2)}` : money(v));

/** Per group: lookups, hits and savings per period; the top groups by lookups. */
function groupsOf(report, by) {
  const { stepMs, n, indexOf, x } = periodsOf(report);
  const groups = new Map();
  for (const row of report.data) {
    const id = row[idField[by]] ?? '';
    const label = by === 'team' ? (row.team_name ?? row.team_id ?? 'No team') : (row.model ?? 'No model');
    if (!groups.has(id))
      groups.set(id, { id, label, lookups: new Array(n).fill(0), hits: new Array(n).fill(0), saved: new Array(n).fill(0), total: { lookups: 0, hits: 0, saved: 0 } });
    const g = groups.get(id);
    const i = indexOf(row.period);
    if (i < 0 || i >= n) continue;
    g.lookups[i] += row.cache_lookups;
    g.hits[i] += row.cache_hits;
    g.saved[i] += row.saved_usd;
    g.total.lookups += row.cache_lookups;
    g.total.hits += row.cache_hits;
    g.total.saved += row.saved_usd;
  }
  const all = [...groups.values()].filter((g) => g.total.lookups > 0).sort((a, b) => b.total.lookups - a.total.lookups);
  return { x, stepMs, all, top: all.slice(0, 8) };
}

export function CachePage() {
  const [q, setQ] = useQuery();
  const range = ranges[q.range] ? q.range : '7d';
  const by = q.by in dims ? q.by : 'model';
  const bucket = range === '24h' || range === '3d' ? 'hour' : 'day';
  const usage = useData(() => get('/admin/usage', { since: range, bucket, by, limit: 1000 }), [range, by]);
  const controls = html`<form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label="Cache report">
    <label class="field"><span>Range</span><select value=${range} onChange=${(e) => setQ({ range: e.target.value })}>
      ${Object.entries(ranges).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    <label class="field"><span>Break down by</span><select value=${by} onChange=${(e) => setQ({ by: e.target.value })}>
      ${Object.entries(dims).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
  </form>`;
  const [purged, setPurged] = useState('');
  const purgeGroup = async (g, shown) => {
    const answer = await api('DELETE', `/admin/cache?${qs({ [shown]: g.id })}`);
    setPurged(`${g.label}: ${answer.deleted} cached answer(s) purged${answer.enabled ? '' : ' (the cache is off)'}.`);
  };
  return html`<${Page} title="Cache" actions=${controls}>
    <${Loaded} state=${usage}>${(report) => {
      const t = report.totals;
      // The answer's own breakdown: while another one loads, the last answer is still shown.
      const shown = report.by[0] === 'team' ? 'team' : 'model';
      const { x, stepMs, all, top } = groupsOf(report, shown);
      const drill = (i) => {
        const params = { since: range };
        if (i >= 0) {
          params.since = new Date(x[i] * 1000).toISOString();
          params.until = new Date(x[i] * 1000 + stepMs).toISOString();
        }
        if (top.length === 1 && top[0].id) params[shown] = top[0].id;
        navigate(`/ui/logs?${qs(params)}`);
      };
      return html`<div class="cards" role="list">
          ${[
            ['Lookups', num(t.cache_lookups)],
            ['Hits', num(t.cache_hits)],
            ['Hit rate', percent(t.cache_hit_rate)],
            ['Saved', money(t.saved_usd)],
          ].map(([k, v]) => html`<div class="card" role="listitem"><small>${k}</small><strong>${v}</strong></div>`)}
        </div>
        ${all.length === 0
          ? html`<p class="empty">No request looked in the response cache in this range. Turn the cache on for a model (docs/cache.md); repeated prompts are then answered from it, and their hit rate and savings show here.</p>`
          : html`<div class="charts">
              <${Chart} key=${`rate${shown}${range}`} title=${`Hit rate by ${dims[shown].toLowerCase()}`} x=${x} format=${percent} onPick=${drill}
                series=${top.map((g) => ({ label: g.label, values: g.lookups.map((l, i) => (l > 0 ? g.hits[i] / l : null)) }))} />
              <${Chart} key=${`saved${shown}${range}`} title=${`Saved (USD) by ${dims[shown].toLowerCase()}`} x=${x} format=${dollars} onPick=${drill}
                series=${top.map((g) => ({ label: g.label, values: g.saved }))} />
            </div>
            <h2>Totals by ${dims[shown].toLowerCase()}</h2>
            <${Table} caption=${`The cache by ${dims[shown].toLowerCase()} in this range`} columns=${[
              { label: dims[shown], render: (g) => html`<${Link} href=${`/ui/logs?${qs({ since: range, [shown]: g.id })}`}>${g.label}</${Link}>` },
              { label: 'Lookups', num: true, render: (g) => num(g.total.lookups) },
              { label: 'Hits', num: true, render: (g) => num(g.total.hits) },
              { label: 'Hit rate', num: true, render: (g) => percent(g.total.hits / g.total.lookups) },
              { label: 'Saved', num: true, render: (g) => money(g.total.saved) },
              {
                label: 'Entries',
                render: (g) =>
                  g.id
                    ? html`<${Action} kind="danger" confirm=${`Purge the cached answers of ${g.label}?`} run=${() => purgeGroup(g, shown)}
                        aria-label=${`Purge the cached answers of ${dims[shown].toLowerCase()} ${g.label}`}>Purge</${Action}>`
                    : '—',
              },
            ]} rows=${all} rowKey=${(g) => g.id} />
            ${purged ? html`<p role="status">${purged}</p>` : null}`}`;
    }}</${Loaded}>
    <h2>Purge</h2>
    <${Purge} />
  </${Page}>`;
}

function Purge() {
  const [model, setModel] = useState('');
  const [team, setTeam] = useState('');
  const [done, setDone] = useState('');
  const purge = async () => {
    const answer = await api('DELETE', `/admin/cache${model || team ? `?${qs({ model, team })}` : ''}`);
    setDone(`Purged: ${JSON.stringify(answer)}`);
  };
  return html`<form class="inline-form" aria-label="Purge the cache" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label="Model (optional)"><input value=${model} onInput=${(e) => setModel(e.target.value)} /></${Field}>
      <${Field} label="Team (optional)"><input value=${team} onInput=${(e) => setTeam(e.target.value)} /></${Field}>
      <${Action} kind="danger" confirm="Purge these cached answers?" run=${purge}>Purge</${Action}>
    </form>
    ${done ? html`<p role="status">${done}</p>` : null}`;
}
