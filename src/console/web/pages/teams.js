// Teams: create, model rules, budgets and rate limits with spend bars.
import { api, Field, get, html, Link, Loaded, Page, useData, useState } from '../lib.js';
import { RulesEditor } from './rules.js';

export function TeamsPage() {
  const teams = useData(() => get('/admin/teams', { limit: 200 }), []);
  return html`<${Page} title="Teams">
    <${NewOwner} collection="teams" label="team" created=${teams.reload} />
    <${Loaded} state=${teams} empty=${Object.assign((d) => d.data.length === 0, { text: 'No teams yet. Create one above.' })}>
      ${(list) => html`<ul class="owners">${list.data.map(
        (t) => html`<li key=${t.id}><h2>${t.name}</h2>
          <p class="muted">Models: ${t.models ? t.models.join(', ') : 'all'} · <${Link} href=${`/ui/keys?team=${encodeURIComponent(t.id)}`}>keys</${Link}> · <${Link} href=${`/ui/logs?team=${encodeURIComponent(t.id)}&since=7d`}>logs</${Link}></p>
          <${RulesEditor} collection="teams" id=${t.id} name=${t.name} /></li>`,
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
