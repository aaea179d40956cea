// Configuration versions: status, diff from the one before, canary state, rollback.
import { Action, api, get, html, Loaded, Page, useData, when } from '../lib.js';

export function ConfigPage() {
  const status = useData(() => get('/admin/config'), []);
  const versions = useData(() => get('/admin/config/versions', { limit: 50 }), []);
  const reload = () => {
    status.reload();
    versions.reload();
  };
  return html`<${Page} title="Config versions">
    <${Loaded} state=${status}>${(s) => html`<p>Serving version ${s.version.id} <code>${s.version.hash}</code> from the ${s.source_of_truth}${s.file ? html` (${s.file})` : null}.
      ${s.canary ? html` <strong>Canary:</strong> version ${s.canary.version.id} <code>${s.canary.version.hash}</code> on ${s.canary.percent}% of requests since ${when(s.canary.started_at)}.` : ' No canary running.'}</p>`}</${Loaded}>
    <${Loaded} state=${versions} empty=${Object.assign((d) => d.data.length === 0, { text: 'No versions recorded yet.' })}>
      ${(list) => html`<ol class="versions">${list.data.map(
        (v, i) => html`<li key=${v.id}><details open=${i < 2}>
          <summary>Version ${v.id} <code>${v.hash}</code> <span class=${`status ${v.status}`}>${v.status}</span> ${when(v.created_at)} <small class="muted">${v.source} · ${v.actor}</small></summary>
          ${v.note ? html`<p class="muted">${v.note}</p>` : null}
          <pre class="diff" aria-label="Diff from the version before">${v.diff.split('\n').map((line) => html`<span class=${line.startsWith('+ ') ? 'add' : line.startsWith('- ') ? 'del' : ''}>${line}\n</span>`)}</pre>
          ${i > 0 && v.text_stored && v.status !== 'refused'
            ? html`<${Action} confirm=${`Roll back to version ${v.id}?`} run=${async () => {
                await api('POST', `/admin/config/versions/${encodeURIComponent(v.id)}/rollback`, {});
                reload();
              }} aria-label=${`Roll back to version ${v.id}`}>Roll back to this version</${Action}>`
            : null}
        </details></li>`,
      )}</ol>`}
    </${Loaded}>
  </${Page}>`;
}
