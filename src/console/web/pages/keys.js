// Virtual keys: create (the secret shown once, with a copy button), rotate, revoke, spend bars; one
// key's model rule, tool rules, budget and limits open below the table (?key=<id>, so it can be shared).
import {
  Action,
  api,
  CopyButton,
  Field,
  get,
  html,
  Loaded,
  Page,
  SpendBar,
  Table,
  useData,
  useQuery,
  useState,
  when,
} from '../lib.js';
import { ModelRules } from './access-rules.js';
import { RulesEditor } from './rules.js';

export function KeysPage() {
  const [q, setQ] = useQuery();
  const keys = useData(() => get('/admin/keys', { team: q.team, limit: 200 }), [q.team]);
  const [secret, setSecret] = useState(null);
  // Bumped when a key's budget is saved below, so the Spend column reads it again.
  const [spendTick, setSpendTick] = useState(0);
  const teams = useData(() => get('/admin/teams', { limit: 1000 }).catch(() => ({ data: [] })), []);
  const teamName = (id) => teams.data?.data.find((t) => t.id === id)?.name ?? id;
  const columns = [
    { label: 'Name', key: 'name' },
    { label: 'Prefix', render: (k) => html`<code>${k.prefix}</code>` },
    { label: 'Team', render: (k) => teamName(k.team) },
    { label: 'Models', render: (k) => (k.models ? k.models.join(', ') : 'all') },
    {
      label: 'State',
      render: (k) =>
        k.revoked_at
          ? html`<span class="bad">revoked ${when(k.revoked_at)}</span>`
          : html`<span class="good">active</span>`,
    },
    { label: 'Spend', render: (k) => html`<${KeySpend} id=${k.id} tick=${spendTick} />` },
    {
      label: 'Actions',
      render: (
        k,
      ) => html`<button type="button" class="action" aria-pressed=${q.key === k.id} onClick=${() => setQ({ key: q.key === k.id ? '' : k.id })}
          aria-label=${`Rules of ${k.name}`}>Rules</button>${
            k.revoked_at
              ? null
              : html`<${Action} run=${async () => {
                  setSecret(await api('POST', `/admin/keys/${encodeURIComponent(k.id)}/rotate`, {}));
                  keys.reload();
                }} aria-label=${`Rotate ${k.name}`}>Rotate</${Action}>
              <${Action} kind="danger" confirm=${`Revoke ${k.name}? Calls with it are refused at once.`} run=${async () => {
                await api('POST', `/admin/keys/${encodeURIComponent(k.id)}/revoke`);
                keys.reload();
              }} aria-label=${`Revoke ${k.name}`}>Revoke</${Action}>`
          }`,
    },
  ];
  return html`<${Page} title="Keys">
    ${
      secret
        ? html`<div class="notice" role="status">
        <p><strong>Copy the key "${secret.name}" now: it is not shown again.</strong></p>
        <p><code class="secret" data-testid="new-key">${secret.key}</code> <${CopyButton} text=${secret.key} />
        <button type="button" onClick=${() => setSecret(null)}>Done</button></p></div>`
        : null
    }
    <${NewKey} onCreated=${(k) => {
      setSecret(k);
      keys.reload();
    }} />
    <${Loaded} state=${keys} empty=${Object.assign((d) => d.data.length === 0, { text: 'No keys yet. Create one above.' })}>
      ${(list) => {
        const open = list.data.find((k) => k.id === q.key);
        return html`<${Table} caption="Keys" columns=${columns} rows=${list.data} rowKey=${(k) => k.id} />
          ${open ? html`<${KeyRules} key=${open.id} k=${open} saved=${keys.reload} budgetSaved=${() => setSpendTick((t) => t + 1)} />` : null}`;
      }}
    </${Loaded}>
  </${Page}>`;
}

function KeyRules({ k, saved, budgetSaved }) {
  const path = `/admin/keys/${encodeURIComponent(k.id)}`;
  return html`<section class="key-rules" aria-label=${`Rules of the key ${k.name}`}>
    <h2>${k.name} <small class="muted"><code>${k.prefix}</code></small></h2>
    <${ModelRules} path=${path} name=${k.name} models=${k.models} saved=${saved} />
    <${RulesEditor} tools collection="keys" id=${k.id} name=${k.name} onSaved=${budgetSaved} />
  </section>`;
}

function KeySpend({ id, tick }) {
  const s = useData(() => get(`/admin/keys/${encodeURIComponent(id)}/spend`), [id, tick]);
  if (!s.data) return null;
  return s.data.budget
    ? html`<${SpendBar} spent=${s.data.spent_usd} limit=${s.data.budget.usd} />`
    : html`<small>$${s.data.spent_usd.toFixed(2)} this ${s.data.period}</small>`;
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
      if (form.models.trim())
        body.models = form.models
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
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
