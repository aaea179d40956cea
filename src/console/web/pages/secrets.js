// Provider secrets: names and dates only; values are never sent back by the API.
import { get, html, Loaded, Page, Table, useData, when } from '../lib.js';

export function SecretsPage() {
  const state = useData(() => get('/admin/secrets'), []);
  return html`<${Page} title="Provider secrets">
    <p class="muted">Values are sealed in the store and never shown; set them with <code>gatehouse secrets set</code>.</p>
    <${Loaded} state=${state} empty=${Object.assign((d) => d.data.length === 0, { text: 'No stored secrets: providers read their keys from the environment.' })}>
      ${(list) => html`<${Table} caption="Secrets" columns=${[
        { label: 'Name', key: 'name' },
        { label: 'Created', render: (s) => when(s.created_at) },
        { label: 'Updated', render: (s) => when(s.updated_at) },
      ]} rows=${list.data} />`}
    </${Loaded}>
  </${Page}>`;
}
