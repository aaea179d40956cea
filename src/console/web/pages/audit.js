// The audit log with the verification status of its hash chain.
import { get, html, Loaded, Page, Table, useData, useQuery, when } from '../lib.js';

export function AuditPage() {
  const [q, setQ] = useQuery();
  const verify = useData(() => get('/admin/audit/verify'), []);
  const entries = useData(() => get('/admin/audit', { cursor: q.cursor, limit: 100 }), [q.cursor]);
  return html`<${Page} title="Audit log">
    <${Loaded} state=${verify}>${(v) =>
      v.ok
        ? html`<p class="notice good" role="status">Chain verified: ${v.entries} entries, none altered or missing.</p>`
        : html`<p class="notice bad" role="alert">Chain broken at entry ${v.seq}: ${v.problem}</p>`}</${Loaded}>
    <${Loaded} state=${entries} empty=${Object.assign((d) => d.data.length === 0, { text: 'No changes recorded yet.' })}>
      ${(list) => html`<${Table} caption="Changes, oldest first" columns=${[
        { label: '#', key: 'seq', num: true },
        { label: 'When', render: (e) => when(e.at) },
        { label: 'Actor', key: 'actor' },
        { label: 'Action', key: 'action' },
        { label: 'Target', render: (e) => `${e.target_type} ${e.target_id}` },
        { label: 'Hash', render: (e) => html`<code title=${e.hash}>${e.hash.slice(0, 12)}</code>` },
      ]} rows=${list.data} />
      ${list.next_cursor ? html`<button type="button" onClick=${() => setQ({ cursor: list.next_cursor })}>Later entries</button>` : null}`}
    </${Loaded}>
  </${Page}>`;
}
