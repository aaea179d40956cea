// The response cache: purge all of it, a model's entries or a team's.
import { Action, api, Field, html, Page, useState } from '../lib.js';

export function CachePage() {
  const [model, setModel] = useState('');
  const [team, setTeam] = useState('');
  const [done, setDone] = useState('');
  const purge = async () => {
    const q = new URLSearchParams();
    if (model) q.set('model', model);
    if (team) q.set('team', team);
    const answer = await api('DELETE', `/admin/cache${q.size ? `?${q}` : ''}`);
    setDone(`Purged: ${JSON.stringify(answer)}`);
  };
  return html`<${Page} title="Cache">
    <p class="muted">Cached answers show in the request log with their cache status; their savings are the spend they did not cost.</p>
    <form class="inline-form" aria-label="Purge the cache" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label="Model (optional)"><input value=${model} onInput=${(e) => setModel(e.target.value)} /></${Field}>
      <${Field} label="Team (optional)"><input value=${team} onInput=${(e) => setTeam(e.target.value)} /></${Field}>
      <${Action} kind="danger" confirm="Purge these cached answers?" run=${purge}>Purge</${Action}>
    </form>
    ${done ? html`<p role="status">${done}</p>` : null}
  </${Page}>`;
}
