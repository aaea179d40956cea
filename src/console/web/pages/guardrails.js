// Guardrails: recent verdicts by guardrail and team (enforced and shadow), from the request log's
// guardrail filters; and a backtest of a draft policy over stored traffic.
import { api, get, html, Link, Loaded, Page, qs, Table, useData, useQuery, useState } from '../lib.js';

const actions = ['blocked', 'redacted', 'warned', 'error'];

export function GuardrailsPage() {
  const [q, setQ] = useQuery();
  const since = q.since || '7d';
  const state = useData(
    () => Promise.all(actions.map((a) => get('/admin/logs', { since, guardrail_action: a, limit: 1000 }))),
    [since],
  );
  return html`<${Page} title="Guardrails" actions=${html`<label class="field"><span>Since</span><select value=${since} onChange=${(e) => setQ({ since: e.target.value })}>
      ${['24h', '7d', '30d'].map((s) => html`<option value=${s}>${s}</option>`)}</select></label>`}>
    <h2>Verdicts by guardrail and team</h2>
    <${Loaded} state=${state}>${(pages) => {
      const rows = new Map();
      for (const page of pages)
        for (const event of page.data)
          for (const v of event.guardrails) {
            if (v.action === 'passed') continue;
            const id = `${v.guardrail}|${event.team_id ?? ''}|${v.mode}`;
            if (!rows.has(id)) rows.set(id, { guardrail: v.guardrail, team: event.team_id, mode: v.mode, blocked: 0, redacted: 0, warned: 0, error: 0 });
            rows.get(id)[v.action] += 1;
          }
      const list = [...rows.values()].sort((a, b) => a.guardrail.localeCompare(b.guardrail));
      if (list.length === 0) return html`<p class="empty">No guardrail blocked, redacted or flagged anything in this range.</p>`;
      return html`<${Table} caption="Requests with a verdict (up to the newest 1000 per action); shadow verdicts were recorded, not enforced" columns=${[
        { label: 'Guardrail', render: (r) => html`<${Link} href=${`/ui/logs?${qs({ since, guardrail: r.guardrail, team: r.team ?? '' })}`}>${r.guardrail}</${Link}>` },
        { label: 'Team', render: (r) => r.team ?? '—' },
        { label: 'Mode', key: 'mode' },
        ...actions.map((a) => ({ label: a, key: a, num: true })),
      ]} rows=${list} />`;
    }}</${Loaded}>
    <h2>Backtest a draft policy</h2>
    <${Backtest} />
  </${Page}>`;
}

const example = JSON.stringify({ guardrails: { 'no-pii': { type: 'pii', action: 'redact' } } }, null, 2);

function Backtest() {
  const [policy, setPolicy] = useState(example);
  const [since, setSince] = useState('7d');
  const [result, setResult] = useState(null);
  const [error, setError] = useState('');
  const run = async (e) => {
    e.preventDefault();
    setError('');
    try {
      setResult(await api('POST', '/admin/guardrails/backtest', { policy: JSON.parse(policy), since }));
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="backtest" onSubmit=${run} aria-label="Backtest">
      <label class="field"><span>Draft policy (JSON, gatehouse.yaml's shape)</span>
        <textarea rows="6" value=${policy} onInput=${(e) => setPolicy(e.target.value)}></textarea></label>
      <label class="field"><span>Over</span><input value=${since} onInput=${(e) => setSince(e.target.value)} /></label>
      <button type="submit" class="primary">Run backtest</button>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </form>
    ${result
      ? html`<p>${result.events_scanned} stored requests replayed; ${result.events_without_body} had no body kept.</p>
        <${Table} caption="What the draft would have done" columns=${[
          { label: 'Team', render: (t) => t.team ?? t.team_id ?? '—' },
          { label: 'Requests', key: 'requests', num: true },
          { label: 'Blocked', key: 'blocked', num: true },
          { label: 'Redacted', key: 'redacted', num: true },
          { label: 'Warned', key: 'warned', num: true },
          { label: 'Check p95', render: (t) => `${t.check_ms_p95.toFixed(2)} ms`, num: true },
        ]} rows=${result.teams} />`
      : null}`;
}
