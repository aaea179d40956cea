// The request log: filters in the query string (shareable), cursor paging, live tail by polling,
// and one request in full (attempts, timings, tokens, cost, guardrail verdicts, bodies if kept).
// Teams, keys and users are shown by name.
import { get, html, Link, Loaded, money, ms, navigate, num, Page, Pager, qs, Table, useData, useEffect, useQuery, useState, when } from '../lib.js';

const filters = [
  ['since', 'Since', '24h, 7d or a date'],
  ['until', 'Until', 'date'],
  ['team', 'Team', 'id or name'],
  ['key', 'Key', 'id or name'],
  ['user', 'User', 'id or name'],
  ['model', 'Model', ''],
  ['provider', 'Provider', ''],
  ['status', 'Status', '429, error or success'],
  ['tag', 'Tag', 'key=value'],
  ['min_cost', 'Min cost (USD)', ''],
  ['kind', 'Kind', 'model or tool'],
  ['server', 'MCP server', ''],
  ['tool', 'Tool', ''],
  ['guardrail', 'Guardrail', 'its name'],
  ['guardrail_action', 'Verdict', 'blocked, redacted, warned'],
  ['experiment', 'Experiment', ''],
  ['variant', 'Variant', ''],
];

export function LogsPage() {
  const [q, setQ] = useQuery();
  if (q.request) return html`<${RequestView} id=${q.request} back=${{ ...q, request: undefined }} />`;
  const [draft, setDraft] = useState(q);
  const [tail, setTail] = useState(false);
  const query = Object.fromEntries(filters.map(([k]) => [k, q[k]]).filter(([, v]) => v));
  const key = qs(query) + (q.cursor ?? '');
  const state = useData(() => get('/admin/logs', { ...query, cursor: q.cursor, limit: 50 }), [key]);
  useEffect(() => setDraft(q), [key]);
  useEffect(() => {
    if (!tail) return;
    const timer = setInterval(state.reload, 2000);
    return () => clearInterval(timer);
  }, [tail, key]);
  const apply = (e) => {
    e.preventDefault();
    const next = {};
    for (const [k] of filters) next[k] = draft[k] ?? '';
    navigate(`/ui/logs?${qs(next)}`);
  };
  return html`<${Page} title="Logs">
    <form class="filters" onSubmit=${apply} aria-label="Log filters">
      ${filters.map(
        ([k, label, hint]) => html`<label class="field"><span>${label}</span><input name=${k} value=${draft[k] ?? ''} placeholder=${hint}
          onInput=${(e) => setDraft({ ...draft, [k]: e.target.value })} /></label>`,
      )}
      <div class="buttons"><button type="submit" class="primary">Apply</button>
        <button type="button" onClick=${() => navigate('/ui/logs')}>Clear</button>
        <label class="check"><input type="checkbox" checked=${tail} onChange=${(e) => setTail(e.target.checked)} /> Live tail</label></div>
    </form>
    <${Loaded} state=${state} empty=${Object.assign((d) => d.data.length === 0, { text: 'No requests match these filters.' })}>${(page) => html`
      <${Requests} rows=${page.data} q=${q} />
      <${Pager} cursor=${q.cursor} next=${page.next_cursor} onOlder=${(c) => setQ({ cursor: c })} />`}</${Loaded}>
  </${Page}>`;
}

/** Names of teams and keys already read, by `collection/id`; an id stands for itself until read. */
const names = new Map();

/** The page of requests, with team and key names in place of ids once read (one call per new id). */
function Requests({ rows, q }) {
  const [, setRead] = useState(0);
  useEffect(() => {
    const missing = [];
    for (const r of rows)
      for (const [collection, id] of [['teams', r.team_id], ['keys', r.key_id]]) {
        if (!id || names.has(`${collection}/${id}`)) continue;
        names.set(`${collection}/${id}`, id);
        missing.push([collection, id]);
      }
    if (missing.length === 0) return;
    Promise.all(
      missing.map(([collection, id]) =>
        get(`/admin/${collection}/${encodeURIComponent(id)}`)
          .then((found) => found?.name && names.set(`${collection}/${id}`, found.name))
          .catch(() => {}),
      ),
    ).then(() => setRead((n) => n + 1));
  }, [rows]);
  const name = (collection, id) => (id ? names.get(`${collection}/${id}`) ?? id : '');
  const columns = [
    { label: 'Time', render: (r) => html`<${Link} href=${`/ui/logs?${qs({ ...q, request: r.request_id })}`}>${when(r.received_at)}</${Link}>` },
    { label: 'Status', render: (r) => html`<span class=${r.status >= 400 ? 'bad' : 'good'}>${r.status}</span>` },
    { label: 'Model', render: (r) => (r.kind === 'tool' ? `tool ${r.mcp_server}/${r.tool}` : r.model) },
    { label: 'Provider', key: 'provider' },
    { label: 'Team', render: (r) => name('teams', r.team_id) },
    { label: 'Key', render: (r) => name('keys', r.key_id) },
    { label: 'Tokens', num: true, render: (r) => num((r.input_tokens ?? 0) + (r.output_tokens ?? 0)) },
    { label: 'Cost', num: true, render: (r) => money(r.cost_usd) },
    { label: 'Latency', num: true, render: (r) => ms(r.duration_ms) },
    { label: 'Cache', render: (r) => r.cache ?? '' },
    { label: 'Guardrails', render: (r) => r.guardrails.filter((g) => g.action !== 'passed').map((g) => `${g.guardrail}: ${g.action}`).join(', ') },
  ];
  return html`<${Table} caption="Requests, newest first" columns=${columns} rows=${rows} rowKey=${(r) => r.id} />`;
}

/** The name of a team, key or user beside its id; the id alone when it cannot be read (gone, or not ours). */
async function named(collection, id) {
  if (!id) return null;
  const found = await get(`/admin/${collection}/${encodeURIComponent(id)}`).catch(() => null);
  return found?.name ? html`${found.name} <small class="muted">${id}</small>` : id;
}

function RequestView({ id, back }) {
  const state = useData(async () => {
    const found = await get('/admin/logs', { request_id: id, limit: 1 });
    if (found.data.length === 0) throw new Error(`No request ${id} in the log (it may have aged out).`);
    const r = found.data[0];
    const [team, key, user] = await Promise.all([named('teams', r.team_id), named('keys', r.key_id), named('users', r.user_id)]);
    return { ...r, names: { team, key, user } };
  }, [id]);
  return html`<${Page} title="Request" actions=${html`<${Link} href=${`/ui/logs?${qs(back)}`}>Back to the list</${Link}>`}>
    <${Loaded} state=${state}>${(r) => html`
      <dl class="facts">
        ${[
          ['Request id', r.request_id], ['Received', when(r.received_at)], ['Status', `${r.status}${r.error_code ? ` (${r.error_code})` : ''}`],
          ['Model', r.model], ['Provider', `${r.provider ?? '—'} ${r.provider_model ?? ''}`], ['Stream', r.stream ? 'yes' : 'no'],
          ['Duration', ms(r.duration_ms)], ['Time to first byte', ms(r.first_byte_ms)],
          ['Input tokens', num(r.input_tokens)], ['Output tokens', num(r.output_tokens)], ['Cache read tokens', num(r.cache_read_tokens)],
          ['Cost', money(r.cost_usd)], ['Team', r.names.team], ['Key', r.names.key], ['User', r.names.user],
          ['Tags', Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(', ') || '—'], ['Config version', r.config_version],
          ['Cache', r.cache ? `${r.cache}${r.cache_similarity ? ` (${r.cache_similarity.toFixed(3)})` : ''}${r.saved_usd ? `, saved ${money(r.saved_usd)}` : ''}` : 'off'],
          ['Kind', r.kind === 'tool' ? `tool ${r.mcp_server}/${r.tool}` : 'model'], ['Run', r.run_id], ['Experiment', r.experiment ? `${r.experiment} / ${r.variant}` : null],
        ].map(([k, v]) => html`<div><dt>${k}</dt><dd>${v ?? '—'}</dd></div>`)}
      </dl>
      <h2>Attempts</h2>
      ${r.attempts.length === 0 ? html`<p class="empty">No provider was called.</p>` : html`<${Table} columns=${[
        { label: 'Provider', key: 'provider' }, { label: 'Model', key: 'model' },
        { label: 'Status', key: 'status' }, { label: 'Error', key: 'error_code' }, { label: 'Latency', num: true, render: (a) => ms(a.latency_ms) },
      ]} rows=${r.attempts} />`}
      ${r.attempts.length > 1 ? html`<p class="muted">Failed over ${r.attempts.length - 1} time(s).</p>` : null}
      <h2>Guardrail verdicts</h2>
      ${r.guardrails.length === 0 ? html`<p class="empty">No guardrail looked at this request.</p>` : html`<${Table} columns=${[
        { label: 'Guardrail', key: 'guardrail' }, { label: 'Phase', key: 'phase' }, { label: 'Action', key: 'action' },
        { label: 'Mode', key: 'mode' }, { label: 'Entities', render: (g) => g.entities.join(', ') }, { label: 'Latency', num: true, render: (g) => ms(g.latency_ms) },
      ]} rows=${r.guardrails} />`}
      <h2>Bodies</h2>
      ${r.request_body === null && r.response_body === null
        ? html`<p class="empty">Not kept: the body-logging policy for this key or team is not "full".</p>`
        : html`<h3>Request</h3><pre>${JSON.stringify(r.request_body, null, 2)}</pre><h3>Response</h3><pre>${JSON.stringify(r.response_body, null, 2)}</pre>`}
    `}</${Loaded}>
  </${Page}>`;
}
