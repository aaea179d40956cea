// Alerts: each rule with its state (what fires, since when), a test through the channel, and the
// history of the alerts sent, filtered in the query string.
import { Action, api, get, html, Loaded, navigate, Page, Pager, qs, Table, useData, useEffect, useQuery, useState, when } from '../lib.js';

const kinds = {
  provider_error_rate: 'Provider error rate',
  provider_p95_latency: 'Provider p95 latency',
  spend_anomaly: 'Spend anomaly',
  drift: 'Drift',
  test: 'Test',
};
const filters = ['kind', 'status', 'since', 'until'];

/** The thresholds of a rule, in words. */
function settingsText(kind, s) {
  if (kind === 'provider_error_rate')
    return `above ${Math.round(s.threshold * 100)}% of at least ${s.min_requests} calls`;
  if (kind === 'provider_p95_latency') return `above ${s.threshold} ms over at least ${s.min_requests} calls`;
  if (kind === 'spend_anomaly')
    return `last hour above ${s.factor}× the ${s.baseline_hours}-hour mean, from $${s.min_usd}`;
  if (kind === 'drift') return 'as drift detection reports';
  return '';
}

const stateBadge = (state) =>
  html`<span class=${state === 'firing' ? 'bad' : state === 'ok' ? 'good' : 'muted'}>${state}</span>`;

export function AlertsPage() {
  const [q, setQ] = useQuery();
  const [sent, setSent] = useState('');
  const rules = useData(() => get('/admin/alerts'), []);
  const query = Object.fromEntries(filters.map((k) => [k, q[k]]).filter(([, v]) => v));
  const key = qs(query) + (q.cursor ?? '');
  const events = useData(
    () => get('/admin/alerts/history', { ...query, cursor: q.cursor, limit: 50 }),
    [key],
  );
  const [draft, setDraft] = useState(query);
  useEffect(() => setDraft(query), [key]);
  const apply = (e) => {
    e.preventDefault();
    navigate(`/ui/alerts?${qs(Object.fromEntries(filters.map((k) => [k, draft[k] ?? ''])))}`);
  };
  const test = async () => {
    const answer = await api('POST', '/admin/alerts/test');
    setSent(`Test alert sent to ${answer.channel} at ${when(answer.at)}.`);
    rules.reload();
    events.reload();
  };
  const field = (k) => (e) => setDraft({ ...draft, [k]: e.target.value });
  return html`<${Page} title="Alerts" actions=${html`<${Action} run=${test}>Send a test alert</${Action}>`}>
    ${sent ? html`<p class="notice good" role="status">${sent}</p>` : null}
    <${Loaded} state=${rules}>${(r) => html`
      <p class="muted">${
        r.channel
          ? `Alerts go to ${r.channel}. Provider rules look at the last ${r.window_seconds} s, checked every ${r.evaluate_every_seconds} s; a firing alert is repeated at most every ${r.cooldown_seconds} s.`
          : 'No alert channel is configured (alerts.webhook_url or governance.webhook_url): alerting is off.'
      }</p>
      <${Table} caption="Rules and their state on this replica" rowKey=${(x) => x.kind} rows=${r.data} columns=${[
        { label: 'Rule', render: (x) => kinds[x.kind] ?? x.kind },
        {
          label: 'Fires when',
          render: (x) =>
            x.state === 'off' && Object.keys(x.settings).length === 0
              ? 'turned off'
              : settingsText(x.kind, x.settings),
        },
        { label: 'State', render: (x) => stateBadge(x.state) },
        { label: 'Since', render: (x) => when(x.since) },
        {
          label: 'Firing for',
          render: (x) =>
            x.firing.length
              ? x.firing.map(
                  (f) =>
                    html`<div title=${f.text}>${f.subject ?? 'the gateway'} since ${when(f.since)}</div>`,
                )
              : '—',
        },
      ]} />`}
    </${Loaded}>
    <h2>History</h2>
    <form class="filters" onSubmit=${apply} aria-label="History filters">
      <label class="field"><span>Rule</span><select name="kind" value=${draft.kind ?? ''} onChange=${field('kind')}>
        <option value="">All</option>${Object.entries(kinds).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
      <label class="field"><span>Status</span><select name="status" value=${draft.status ?? ''} onChange=${field('status')}>
        ${['', 'firing', 'resolved', 'test'].map((v) => html`<option value=${v}>${v || 'All'}</option>`)}</select></label>
      <label class="field"><span>Since</span><input name="since" value=${draft.since ?? ''} placeholder="24h, 7d or a date" onInput=${field('since')} /></label>
      <label class="field"><span>Until</span><input name="until" value=${draft.until ?? ''} placeholder="date" onInput=${field('until')} /></label>
      <div class="buttons"><button type="submit" class="primary">Apply</button>
        <button type="button" onClick=${() => navigate('/ui/alerts')}>Clear</button></div>
    </form>
    <${Loaded} state=${events} empty=${Object.assign((d) => d.data.length === 0, { text: Object.keys(query).length ? 'No alerts match these filters.' : 'No alert has been sent yet.' })}>${(
      page,
    ) => html`
      <${Table} caption="Alerts sent, newest first" rowKey=${(e) => e.id} rows=${page.data} columns=${[
        { label: 'When', render: (e) => when(e.at) },
        { label: 'Rule', render: (e) => kinds[e.kind] ?? e.kind },
        { label: 'Subject', render: (e) => e.subject ?? '—' },
        {
          label: 'Status',
          render: (e) =>
            html`<span class=${e.status === 'firing' ? 'bad' : e.status === 'resolved' ? 'good' : ''}>${e.status}</span>`,
        },
        {
          label: 'Message',
          render: (e) => html`<div style=${{ whiteSpace: 'normal', minWidth: '24em' }}>${e.text}</div>`,
        },
      ]} />
      <${Pager} cursor=${q.cursor} next=${page.next_cursor} onOlder=${(c) => setQ({ cursor: c })} />`}</${Loaded}>
  </${Page}>`;
}
