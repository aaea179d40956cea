// Tool calls waiting for a person: approve or deny from the page (the waiting call runs, or gets an error).
import { Action, api, get, html, Link, Loaded, Page, Table, useData, useQuery, when } from '../lib.js';

const statuses = ['pending', 'approved', 'denied', 'timed_out', 'cancelled', 'all'];

export function ApprovalsPage() {
  const [q, setQ] = useQuery();
  const status = statuses.includes(q.status) ? q.status : 'pending';
  const state = useData(() => get('/admin/approvals', { status, limit: 100 }), [status]);
  const decide = (a, verb) => async () => {
    await api('POST', `/admin/approvals/${encodeURIComponent(a.id)}/${verb}`, {});
    state.reload();
  };
  const columns = [
    { label: 'Requested', render: (a) => when(a.requested_at) },
    { label: 'Tool', render: (a) => html`<code>${a.server}/${a.tool}</code>` },
    { label: 'Arguments', render: (a) => html`<code class="args">${JSON.stringify(a.arguments).slice(0, 160)}</code>` },
    { label: 'Team', key: 'team_id' },
    { label: 'Run', render: (a) => (a.run_id && a.key_id ? html`<${Link} href=${`/ui/runs?run=${encodeURIComponent(`${a.key_id}:${a.run_id}`)}`}>${a.run_id}</${Link}>` : '—') },
    { label: 'Expires', render: (a) => when(a.expires_at) },
    {
      label: status === 'pending' ? 'Decide' : 'Decision',
      render: (a) =>
        a.status === 'pending'
          ? html`<${Action} kind="primary" run=${decide(a, 'approve')} aria-label=${`Approve ${a.server}/${a.tool} ${a.id}`}>Approve</${Action}>
              <${Action} kind="danger" run=${decide(a, 'deny')} aria-label=${`Deny ${a.server}/${a.tool} ${a.id}`}>Deny</${Action}>`
          : `${a.status} by ${a.decided_by ?? '—'} ${a.decided_at ? when(a.decided_at) : ''}`,
    },
  ];
  return html`<${Page} title="Approvals" actions=${html`<label class="field"><span>Show</span><select value=${status} onChange=${(e) => setQ({ status: e.target.value })}>
      ${statuses.map((s) => html`<option value=${s}>${s.replace('_', ' ')}</option>`)}</select></label>`}>
    <${Loaded} state=${state} empty=${Object.assign((d) => d.data.length === 0, { text: status === 'pending' ? 'No tool call is waiting for a person.' : 'None.' })}>
      ${(list) => html`<${Table} caption="Tool calls" columns=${columns} rows=${list.data} rowKey=${(a) => a.id} />`}
    </${Loaded}>
  </${Page}>`;
}
