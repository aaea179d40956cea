// Routing: every target with its health, circuit breaker, latency and calls; config canaries are on
// the Config versions page.
import { get, html, Link, Loaded, ms, num, Page, Table, useData, useEffect, when } from '../lib.js';

export function RoutingPage() {
  const targets = useData(() => get('/admin/targets', { limit: 500 }), []);
  useEffect(() => {
    const timer = setInterval(targets.reload, 5000);
    return () => clearInterval(timer);
  }, []);
  return html`<${Page} title="Routing" actions=${html`<${Link} href="/ui/config">Config versions and canary</${Link}>`}>
    <${Loaded} state=${targets} empty=${Object.assign((d) => d.data.length === 0, { text: 'No targets: no model is configured.' })}>
      ${(list) => html`<${Table} caption="Targets on this replica (refreshed every 5 s)" columns=${[
        { label: 'Provider', key: 'provider' },
        { label: 'Model', key: 'model' },
        { label: 'Health', render: (t) => html`<span class=${t.health === 'healthy' ? 'good' : 'bad'}>${t.health}</span>` },
        { label: 'Breaker', render: (t) => `${t.breaker}${t.breaker_opened_at ? ` since ${when(t.breaker_opened_at)}` : ''}` },
        { label: 'Latency (EWMA)', num: true, render: (t) => ms(t.latency_ewma_ms) },
        { label: 'In flight', num: true, key: 'in_flight' },
        { label: 'Served', num: true, render: (t) => num(t.served) },
        { label: 'Failed', num: true, render: (t) => num(t.failed) },
        { label: 'Last check', render: (t) => (t.last_check ? `${t.last_check.ok ? 'ok' : t.last_check.error_code} ${ms(t.last_check.latency_ms)}` : '—') },
      ]} rows=${list.data} rowKey=${(t) => `${t.provider}/${t.model}`} />`}
    </${Loaded}>
  </${Page}>`;
}
