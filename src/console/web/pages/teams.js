// Teams: create; model and tool rules; budgets and rate limits with spend bars.
import { api, Field, get, html, Link, Loaded, Page, useData, useState } from '../lib.js';
import { ModelRules } from './access-rules.js';
import { RulesEditor } from './rules.js';

export function TeamsPage({ session }) {
  const teams = useData(() => get('/admin/teams', { limit: 200 }), []);
  // Only an admin may create a team: others are not offered a form the API would refuse.
  const admin = session?.identity.role === 'admin';
  return html`<${Page} title="Teams">
    ${admin ? html`<${NewOwner} collection="teams" label="team" created=${teams.reload} />` : null}
    <${Loaded} state=${teams} empty=${Object.assign((d) => d.data.length === 0, { text: admin ? 'No teams yet. Create one above.' : 'None of your teams is here yet; an admin creates teams.' })}>
      ${(list) =>
        html`<ul class="owners">${list.data.map(
          (t) => html`<li key=${t.id}><h2>${t.name}</h2>
          <p class="muted"><${Link} href=${`/ui/keys?team=${encodeURIComponent(t.id)}`}>keys</${Link}> · <${Link} href=${`/ui/logs?team=${encodeURIComponent(t.id)}&since=7d`}>logs</${Link}></p>
          <${ModelRules} path=${`/admin/teams/${encodeURIComponent(t.id)}`} name=${t.name} models=${t.models} saved=${teams.reload} />
          <${RulesEditor} tools collection="teams" id=${t.id} name=${t.name} /></li>`,
        )}</ul>`}
    </${Loaded}>
  </${Page}>`;
}

export function NewOwner({ collection, label, created }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    try {
      await api('POST', `/admin/${collection}`, { name });
      setName('');
      created();
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="inline-form" onSubmit=${submit} aria-label=${`New ${label}`}>
    <${Field} label=${`New ${label} name`}><input required value=${name} onInput=${(e) => setName(e.target.value)} /></${Field}>
    <button type="submit" class="primary">Create ${label}</button>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </form>`;
}
