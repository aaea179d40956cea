// MCP: the configured servers and their connection (GET /admin/mcp/servers), every tool's pinned
// definition with changed ones pending approval (with the diff), and the recent tool calls of the
// request log, each opening its request.
import { Action, api, get, html, Link, Loaded, ms, num, Page, qs, Table, useData, useQuery, when } from '../lib.js';

const statusText = { connected: 'connected', unreachable: 'unreachable', not_connected: 'not connected yet' };
const statusClass = { connected: 'good', unreachable: 'bad', not_connected: 'muted' };

export function McpPage() {
  const [q, setQ] = useQuery();
  const server = q.server || '';
  const servers = useData(() => get('/admin/mcp/servers'), []);
  const tools = useData(() => get('/admin/mcp/tools', { server }), [server]);
  const calls = useData(
    () =>
      Promise.all([
        get('/admin/logs', { kind: 'tool', server, since: '7d', limit: 50 }),
        // Team names beside the calls; the ids stay when the list cannot be read.
        get('/admin/teams', { limit: 1000 }).catch(() => ({ data: [] })),
      ]).then(([page, teams]) => ({ ...page, teams: new Map(teams.data.map((t) => [t.id, t.name])) })),
    [server],
  );
  return html`<${Page} title="MCP tools" actions=${server ? html`<p class="muted">Server <strong>${server}</strong> · <a href="/ui/mcp" onClick=${(e) => { e.preventDefault(); setQ({ server: '' }); }}>all servers</a></p>` : null}>
    <h2>Servers</h2>
    <${Loaded} state=${servers} empty=${Object.assign((d) => d.data.length === 0, { text: 'No MCP server is configured: add one under mcp_servers in gatehouse.yaml (docs/mcp.md).' })}>
      ${(list) => html`<${Table} caption="Configured servers, as this replica knows them; a server connects when a client first uses it" columns=${[
        { label: 'Server', render: (s) => html`<${Link} href=${`/ui/mcp?${qs({ server: s.name === server ? '' : s.name })}`} aria-current=${s.name === server ? 'true' : undefined}
            title=${s.name === server ? 'Show every server again' : 'Only this server’s tools and calls'}>${s.name}</${Link}>` },
        { label: 'Transport', key: 'transport' },
        { label: 'Where', render: (s) => html`<code>${s.url ?? s.command}</code>` },
        { label: 'Status', render: (s) => html`<span class=${statusClass[s.status]} title=${s.error ?? ''}>${statusText[s.status]}</span>${s.error ? html`<br /><small class="muted">${s.error}</small>` : null}` },
        { label: 'Tools', num: true, render: (s) => num(s.tools) },
        { label: 'Pending', num: true, render: (s) => (s.pending ? html`<span class="bad">${s.pending}</span>` : '0') },
        { label: 'Calls (24 h)', num: true, render: (s) => html`<${Link} href=${`/ui/logs?${qs({ kind: 'tool', server: s.name, since: '24h' })}`}>${num(s.calls_24h)}</${Link}>` },
        { label: 'Errors (24 h)', num: true, render: (s) => (s.errors_24h ? html`<span class="bad">${num(s.errors_24h)}</span>` : '0') },
        { label: 'Last call', render: (s) => when(s.last_call_at) },
      ]} rows=${list.data} rowKey=${(s) => s.name} />`}
    </${Loaded}>
    <h2>Tools</h2>
    <${Loaded} state=${tools} empty=${Object.assign((d) => d.data.length === 0, { text: 'No MCP tool has been seen yet: tools are pinned the first time a server lists them.' })}>
      ${(list) => html`<${Table} caption="Pinned tool definitions; a changed definition is withheld until approved" columns=${[
        { label: 'Server', key: 'server' },
        { label: 'Tool', render: (t) => html`<code>${t.tool}</code>` },
        { label: 'Status', render: (t) => html`<span class=${t.status === 'pending' ? 'bad' : 'good'}>${t.status}</span>` },
        { label: 'Pinned', render: (t) => html`<details><summary><code>${t.hash.slice(0, 12)}</code></summary><pre>${JSON.stringify(t.definition, null, 2)}</pre></details>` },
        { label: 'Approved by', render: (t) => `${t.approved_by ?? '—'} ${t.approved_at ? when(t.approved_at) : ''}` },
        {
          label: 'Pending change',
          render: (t) =>
            t.pending
              ? html`<details><summary>${t.pending.changes.length} change(s)</summary><pre>${t.pending.changes.map((c) => `${c.path}\n- ${JSON.stringify(c.before)}\n+ ${JSON.stringify(c.after)}\n`).join('')}</pre></details>
                <${Action} run=${async () => {
                  await api('POST', `/admin/mcp/tools/${encodeURIComponent(t.server)}/${encodeURIComponent(t.tool)}/approve`, { hash: t.pending.hash });
                  tools.reload();
                  servers.reload();
                }} aria-label=${`Approve the new definition of ${t.server}/${t.tool}`}>Approve</${Action}>`
              : '—',
        },
      ]} rows=${list.data} rowKey=${(t) => `${t.server}/${t.tool}`} />`}
    </${Loaded}>
    <h2>Recent tool calls</h2>
    <${Loaded} state=${calls} empty=${Object.assign((d) => d.data.length === 0, { text: 'No tool call in the last 7 days: agents call tools through /mcp with a virtual key (docs/mcp.md).' })}>
      ${(list) => html`<${Table} caption=${`The newest ${list.data.length} tool calls of the last 7 days${list.next_cursor ? '; older ones in the logs' : ''}`} columns=${[
        { label: 'Time', render: (e) => html`<${Link} href=${`/ui/logs?${qs({ request: e.request_id })}`} aria-label=${`Open the request of ${e.mcp_server}/${e.tool} at ${when(e.received_at)}`}>${when(e.received_at)}</${Link}>` },
        { label: 'Tool', render: (e) => html`<code>${e.mcp_server}/${e.tool}</code>` },
        { label: 'Status', render: (e) => html`<span class=${e.status >= 400 ? 'bad' : 'good'}>${e.status}</span>${e.error_code ? html` <small class="muted">${e.error_code}</small>` : null}` },
        { label: 'Latency', num: true, render: (e) => ms(e.duration_ms) },
        { label: 'Team', render: (e) => (e.team_id ? (list.teams.get(e.team_id) ?? e.team_id) : '—') },
        { label: 'Key', render: (e) => e.key_id ?? '—' },
        { label: 'Run', render: (e) => (e.run_id && e.key_id ? html`<${Link} href=${`/ui/runs?${qs({ run: `${e.key_id}:${e.run_id}` })}`}>${e.run_id.slice(0, 12)}</${Link}>` : '—') },
      ]} rows=${list.data} rowKey=${(e) => e.id} />
      <p><${Link} href=${`/ui/logs?${qs({ kind: 'tool', server, since: '7d' })}`}>All tool calls in the logs</${Link}></p>`}
    </${Loaded}>
  </${Page}>`;
}
