// Feedback and evaluator scores: rollups by team, model, target or experiment variant (GET
// /admin/quality), each score's mean over time, and the scores themselves in pages, each linked to
// its request in the logs. Filters live in the query string.
import { Chart, hourMs } from '../chart.js';
import { get, html, Link, Loaded, navigate, num, Page, Pager, qs, Table, useData, useEffect, useQuery, useState, when } from '../lib.js';

const filters = [
  ['since', 'Since', '24h, 7d or a date'],
  ['until', 'Until', 'date'],
  ['model', 'Model', ''],
  ['target', 'Target', 'provider/model'],
  ['experiment', 'Experiment', ''],
  ['variant', 'Variant', ''],
  ['name', 'Score name', 'thumbs, helpful…'],
];
const groupings = {
  'team,model': 'Team and model',
  model: 'Model',
  target: 'Target',
  'experiment,variant': 'Experiment variant',
  team: 'Team',
};
const sources = { '': 'Feedback and evaluators', feedback: 'Feedback', evaluator: 'Evaluators' };
const score = (v) => (v === null || v === undefined ? '—' : Number.isInteger(v) ? num(v) : v.toFixed(3));

export function QualityPage({ session }) {
  const [q, setQ] = useQuery();
  const who = session.identity;
  // A team admin or viewer of several teams reads one team at a time (the API's totals are per team).
  const team = q.team || (who.role === 'admin' ? '' : (who.teams[0] ?? ''));
  const source = q.source in sources ? q.source : '';
  const groupBy = q.group_by in groupings ? q.group_by : 'team,model';
  const filter = {
    ...Object.fromEntries(filters.map(([k]) => [k, q[k]]).filter(([, v]) => v)),
    team,
    source,
  };
  const key = qs(filter);
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [key]);
  const rollup = useData(() => get('/admin/quality', { ...filter, group_by: groupBy }), [key, groupBy]);
  const recent = useData(() => get('/admin/scores', { ...filter, limit: 1000 }), [key]);
  // Teams by id, to show their names (scores carry the id).
  const teams = useData(() => get('/admin/teams', { limit: 1000 }), []);
  const teamName = (id) => (id ? (teams.data?.data.find((t) => t.id === id)?.name ?? id) : '—');
  const apply = (e) => {
    e.preventDefault();
    navigate(
      `/ui/quality?${qs({ ...Object.fromEntries(filters.map(([k]) => [k, draft[k] ?? ''])), team: draft.team ?? team, source, group_by: groupBy })}`,
    );
  };
  return html`<${Page} title="Feedback and scores">
    <form class="filters" onSubmit=${apply} aria-label="Quality filters">
      ${filters.map(
        ([
          k,
          label,
          hint,
        ]) => html`<label class="field"><span>${label}</span><input name=${k} value=${draft[k] ?? ''} placeholder=${hint}
          onInput=${(e) => setDraft({ ...draft, [k]: e.target.value })} /></label>`,
      )}
      <label class="field"><span>Team</span>${
        who.role === 'admin'
          ? html`<input name="team" value=${draft.team ?? ''} placeholder="id or name" onInput=${(e) => setDraft({ ...draft, team: e.target.value })} />`
          : html`<select value=${team} onChange=${(e) => setQ({ team: e.target.value, cursor: '' })}>${who.teams.map((t) => html`<option value=${t}>${t}</option>`)}</select>`
      }</label>
      <label class="field"><span>Source</span><select value=${source} onChange=${(e) => setQ({ source: e.target.value, cursor: '' })}>
        ${Object.entries(sources).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
      <div class="buttons"><button type="submit" class="primary">Apply</button>
        <button type="button" onClick=${() => navigate('/ui/quality')}>Clear</button></div>
    </form>
    <h2>Rollup</h2>
    <form class="filters" aria-label="Rollup grouping" onSubmit=${(e) => e.preventDefault()}>
      <label class="field"><span>Group by</span><select value=${groupBy} onChange=${(e) => setQ({ group_by: e.target.value })}>
        ${Object.entries(groupings).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    </form>
    <${Loaded} state=${rollup} empty=${Object.assign((d) => d.data.length === 0, { text: 'No feedback or evaluator scores match these filters. Callers send feedback with POST /v1/feedback; evaluators score answers when configured (docs/quality.md).' })}>
      ${(r) =>
        html`<${Table} caption="Scores per group and name" rows=${r.data} columns=${[
          ...r.group_by.map((k) => ({
            label: k === 'team' ? 'Team' : k[0].toUpperCase() + k.slice(1),
            render: (row) => (k === 'team' ? teamName(row.group[k]) : (row.group[k] ?? '—')),
          })),
          { label: 'Count', num: true, render: (row) => num(row.count) },
          { label: 'Mean', num: true, render: (row) => score(row.mean) },
          { label: 'Min', num: true, render: (row) => score(row.min) },
          { label: 'Max', num: true, render: (row) => score(row.max) },
        ]} />`}
    </${Loaded}>
    <${Loaded} state=${recent}>${(list) => html`<${OverTime} scores=${list.data} capped=${list.next_cursor !== null} />`}</${Loaded}>
    <h2>Recent scores</h2>
    <${Recent} filter=${filter} cursor=${q.cursor} teamName=${teamName} onPage=${(cursor) => setQ({ cursor })} />
  </${Page}>`;
}

/** The mean of each score name per hour (or day, over more than three days), as one series each. */
function OverTime({ scores, capped }) {
  if (scores.length === 0) return null;
  const times = scores.map((s) => Date.parse(s.created_at));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const step = last - first > 3 * 24 * hourMs ? 24 * hourMs : hourMs;
  // At least a day of hours (or a month of days), so that a few points are drawn in context.
  const start = Math.min(
    Math.floor(first / step) * step,
    Math.floor(last / step) * step - (step === hourMs ? 23 : 29) * step,
  );
  const n = Math.floor((last - start) / step) + 1;
  const x = Array.from({ length: n }, (_, i) => (start + i * step) / 1000);
  const byName = new Map();
  scores.forEach((s, i) => {
    if (!byName.has(s.name)) byName.set(s.name, { sum: new Array(n).fill(0), count: new Array(n).fill(0) });
    const b = byName.get(s.name);
    const at = Math.floor((times[i] - start) / step);
    b.sum[at] += s.value;
    b.count[at] += 1;
  });
  const series = [...byName].slice(0, 8).map(([label, b]) => ({
    label,
    values: b.sum.map((sum, i) => (b.count[i] ? sum / b.count[i] : null)),
  }));
  const title = `Mean score per ${step === hourMs ? 'hour' : 'day'}${capped ? ' (the newest 1,000 scores)' : ''}`;
  // A period picked narrows the page to it.
  const pick = (i) =>
    i >= 0 &&
    navigate(
      `/ui/quality?${qs({ ...Object.fromEntries(new URLSearchParams(location.search)), since: new Date(x[i] * 1000).toISOString(), until: new Date(x[i] * 1000 + step).toISOString(), cursor: '' })}`,
    );
  return html`<div class="charts"><${Chart} key=${title + series.map((s) => s.label).join()} title=${title} x=${x} series=${series}
    format=${(v) => (v === null ? '—' : Number(v).toFixed(2))} onPick=${pick} /></div>`;
}

function Recent({ filter, cursor, teamName, onPage }) {
  const state = useData(() => get('/admin/scores', { ...filter, cursor, limit: 50 }), [qs(filter), cursor]);
  return html`<${Loaded} state=${state} empty=${Object.assign((d) => d.data.length === 0, { text: 'No scores match these filters.' })}>${(
    page,
  ) => html`
    <${Table} caption="Feedback and evaluator scores, newest first" rowKey=${(s) => s.id} rows=${page.data} columns=${[
      { label: 'Time', render: (s) => when(s.created_at) },
      { label: 'Source', key: 'source' },
      { label: 'Name', key: 'name' },
      { label: 'Value', num: true, render: (s) => score(s.value) },
      { label: 'Comment', render: (s) => s.comment ?? '' },
      { label: 'Team', render: (s) => teamName(s.team_id) },
      { label: 'Model', render: (s) => s.model ?? '—' },
      { label: 'Target', render: (s) => s.target ?? '—' },
      { label: 'Variant', render: (s) => (s.experiment ? `${s.experiment}/${s.variant}` : '—') },
      {
        label: 'Request',
        render: (s) =>
          html`<${Link} href=${`/ui/logs?${qs({ request: s.request_id })}`} aria-label=${`Request ${s.request_id} in the logs`}>${s.request_id}</${Link}>`,
      },
    ]} />
    <${Pager} cursor=${cursor} next=${page.next_cursor} onOlder=${onPage} />`}</${Loaded}>`;
}
