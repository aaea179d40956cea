// Agent runs (x-gatehouse-run-id): the list, and one run's timeline of model and tool calls with cost.
import { get, html, Link, Loaded, money, ms, num, Page, qs, Table, useData, useQuery, when } from '../lib.js';

export function RunsPage() {
  const [q] = useQuery();
  if (q.run) return html`<${Run} id=${q.run} />`;
  const state = useData(() => get('/admin/runs', { limit: 100 }), []);
  return html`<${Page} title="Agent runs">
    <${Loaded} state=${state} empty=${Object.assign((d) => d.data.length === 0, { text: 'No agent runs yet: calls that carry x-gatehouse-run-id show here.' })}>
      ${(list) => html`<${Table} caption="Runs, most recently active first" columns=${[
        { label: 'Run', render: (r) => html`<${Link} href=${`/ui/runs?${qs({ run: r.id })}`}>${r.run_id}</${Link}>` },
        { label: 'Team', render: (r) => r.team_name ?? r.team_id ?? 'master key' },
        { label: 'Started', render: (r) => when(r.started_at) },
        { label: 'Last call', render: (r) => when(r.last_at) },
        { label: 'Model calls', num: true, key: 'model_calls' },
        { label: 'Tool calls', num: true, key: 'tool_calls' },
        { label: 'Errors', num: true, key: 'errors' },
        { label: 'Cost', num: true, render: (r) => money(r.cost_usd) },
      ]} rows=${list.data} rowKey=${(r) => r.id} />`}
    </${Loaded}>
  </${Page}>`;
}

function Run({ id }) {
  const state = useData(() => get(`/admin/runs/${encodeURIComponent(id)}`), [id]);
  return html`<${Page} title="Agent run" actions=${html`<${Link} href="/ui/runs">All runs</${Link}>`}>
    <${Loaded} state=${state}>${(r) => {
      const start = Date.parse(r.started_at);
      const span = Math.max(1, Date.parse(r.last_at) - start);
      return html`<p>Run <code>${r.run_id}</code>: ${num(r.model_calls)} model calls, ${num(r.tool_calls)} tool calls, ${num(r.errors)} errors, ${money(r.cost_usd)}.
        ${r.state?.stopped_by ? html` <strong class="bad">Stopped by ${r.state.stopped_by}.</strong>` : null}</p>
      <ol class="timeline" aria-label="Timeline">${r.timeline.map(
        (s) => html`<li class=${`step ${s.kind} ${s.verdict}`}>
          <span class="offset">+${ms(Date.parse(s.at) - start)}</span>
          <span class="lane" aria-hidden="true"><span class="lane-dot" style=${{ marginLeft: `${((Date.parse(s.at) - start) / span) * 90}%` }}></span></span>
          <span>${s.kind === 'model' ? `model ${s.model ?? ''}` : `tool ${s.server}/${s.tool}`}</span>
          <span class=${s.verdict === 'ok' ? 'good' : 'bad'}>${s.verdict}${s.error_code ? ` (${s.error_code})` : ''}</span>
          <span>${ms(s.duration_ms)}</span><span>${money(s.cost_usd)}</span>
          <${Link} href=${`/ui/logs?${qs({ request: s.request_id })}`}>log</${Link}></li>`,
      )}</ol>`;
    }}</${Loaded}>
  </${Page}>`;
}
