// Users: create, budgets and rate limits with spend bars.
import { get, html, Loaded, Page, useData } from '../lib.js';
import { RulesEditor } from './rules.js';
import { NewOwner } from './teams.js';

export function UsersPage() {
  const users = useData(() => get('/admin/users', { limit: 200 }), []);
  return html`<${Page} title="Users">
    <${NewOwner} collection="users" label="user" created=${users.reload} />
    <${Loaded} state=${users} empty=${Object.assign((d) => d.data.length === 0, { text: 'No users yet.' })}>
      ${(list) => html`<ul class="owners">${list.data.map(
        (u) => html`<li key=${u.id}><h2>${u.name} ${u.email ? html`<small class="muted">${u.email}</small>` : null}</h2>
          <${RulesEditor} collection="users" id=${u.id} name=${u.name} /></li>`,
      )}</ul>`}
    </${Loaded}>
  </${Page}>`;
}
