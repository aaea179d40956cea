// MCP: tools with their pinned definitions, changed ones pending approval (with the diff), and the
// tool calls of the request log.
import { Action, api, get, html, Loaded, Page, Table, useData, when } from '../lib.js';

export function McpPage() {
  const tools = useData(() => get('/admin/mcp/tools'), []);
  return html`<${Page} title="MCP tools">
    <${Loaded} state=${tools} empty=${Object.assign((d) => d.data.length === 0, { text: 'No MCP tool has been seen yet: tools are pinned the first time a server lists them.' })}>
      ${(list) => {
        const servers = [...new Set(list.data.map((t) => t.server))];
        return html`<p class="muted">${servers.length} server(s): ${servers.join(', ')}.</p>
        <${Table} caption="Tools" columns=${[
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
                    await api('POST', `/admin/mcp/tools/${encodeURIComponent(t.server)}/${encodeURIComponent(t.tool)}/approve`, {});
                    tools.reload();
                  }} aria-label=${`Approve the new definition of ${t.server}/${t.tool}`}>Approve</${Action}>`
                : '—',
          },
        ]} rows=${list.data} rowKey=${(t) => `${t.server}/${t.tool}`} />`;
      }}
    </${Loaded}>
  </${Page}>`;
}
