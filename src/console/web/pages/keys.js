// Virtual keys: create (the secret shown once, with a copy button), rotate, revoke, spend bars.
import { Action, api, CopyButton, Field, get, html, Loaded, Page, SpendBar, Table, useData, useQuery, useState, when } from '../lib.js';

export function KeysPage() {
  const [q] = useQuery();
  const keys = useData(() => get('/admin/keys', { team: q.team, limit: 200 }), [q.team]);
  const [secret, setSecret] = useState(null);
  const teams = useData(() => get('/admin/teams', { limit: 1000 }).catch(() => ({ data: [] })), []);
  const teamName = (id) => teams.data?.data.find((t) => t.id === id)?.name ?? id;
  const columns = [
    { label: 'Name', key: 'name' },
    { label: 'Prefix', render: (k) => html`<code>${k.prefix}</code>` },
    { label: 'Team', render: (k) => teamName(k.team) },
    { label: 'State', render: (k) => (k.revoked_at ? html`<span class="bad">revoked ${when(k.revoked_at)}</span>` : html`<span class="good">active</span>`) },
    { label: 'Spend', render: (k) => html`<${KeySpend} id=${k.id} />` },
    {
      label: 'Actions',
      render: (k) =>
        k.revoked_at
          ? null
          : html`<${Action} run=${async () => {
                setSecret(await api('POST', `/admin/keys/${encodeURIComponent(k.id)}/rotate`, {}));
                keys.reload();
              }} aria-label=${`Rotate ${k.name}`}>Rotate</${Action}>
              <${Action} kind="danger" confirm=${`Revoke ${k.name}? Calls with it are refused at once.`} run=${async () => {
                await api('POST', `/admin/keys/${encodeURIComponent(k.id)}/revoke`);
                keys.reload();
              }} aria-label=${`Revoke ${k.name}`}>Revoke</${Action}>`,
    },
  ];
  return html`<${Page} title="Keys">
    ${secret ? html`<div class="notice" role="status">
        <p><strong>Copy the key "${secret.name}" now: it is not shown again.</strong></p>
        <p><code class="secret" data-testid="new-key">${secret.key}</code> <${CopyButton} text=${secret.key} />
        <button type="button" onClick=${() => setSecret(null)}>Done</button></p></div>` : null}
    <${NewKey} onCreated=${(k) => {
      setSecret(k);
      keys.reload();
    }} />
    <${Loaded} state=${keys} empty=${Object.assign((d) => d.data.length === 0, { text: 'No keys yet. Create one above.' })}>
      ${(list) => html`<${Table} caption="Keys" columns=${columns} rows=${list.data} rowKey=${(k) => k.id} />`}
    </${Loaded}>
  </${Page}>`;
}

function KeySpend({ id }) {
  const s = useData(() => get(`/admin/keys/${encodeURIComponent(id)}/spend`), [id]);
  if (!s.data) return null;
  return s.data.budget ? html`<${SpendBar} spent=${s.data.spent_usd} limit=${s.data.budget.usd} />` : html`<small>$${s.data.spent_usd.toFixed(2)} this ${s.data.period}</small>`;
}

function NewKey({ onCreated }) {
  const [form, setForm] = useState({ name: '', team: '', user: '', models: '' });
  const [error, setError] = useState('');
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    setError('');
    try {
      const body = { name: form.name, team: form.team };
      if (form.user) body.user = form.user;
      if (form.models.trim()) body.models = form.models.split(',').map((m) => m.trim()).filter(Boolean);
      onCreated(await api('POST', '/admin/keys', body));
      setForm({ name: '', team: form.team, user: '', models: '' });
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="inline-form" onSubmit=${submit} aria-label="New key">
    <${Field} label="Key name"><input name="name" required value=${form.name} onInput=${set('name')} /></${Field}>
    <${Field} label="Team"><input name="team" required value=${form.team} onInput=${set('team')} placeholder="id or name" /></${Field}>
    <${Field} label="User (optional)"><input name="user" value=${form.user} onInput=${set('user')} /></${Field}>
    <${Field} label="Models (optional)"><input name="models" value=${form.models} onInput=${set('models')} placeholder="gpt-*, claude-*" /></${Field}>
    <button type="submit" class="primary">Create key</button>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
  </form>`;
}
