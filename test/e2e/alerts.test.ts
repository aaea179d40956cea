// Alerts end to end: a provider that keeps failing brings an error-rate alert to the webhook.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startWebhookReceiver } from '../helpers/webhook.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';

interface Received {
  text: string;
  alert: { kind: string; status: string; provider?: string; errors?: number };
}

const startReceiver = () => startWebhookReceiver<Received>();

test('a failing provider raises an error-rate alert on the webhook', async () => {
  const receiver = await startReceiver();
  const upstream = await startOpenAIUpstream();
  const failure = { error: { message: 'boom', type: 'server_error', param: null, code: null } };
  for (let i = 0; i < 10; i++) upstream.faults.push({ kind: 'status', status: 500, body: failure });
  const gateway = await startTestGateway({
    providers: { flaky: { type: 'openai-compatible', base_url: `${upstream.url}/v1`, api_key: 'sk-up' } },
    // No circuit breaker: every one of the ten requests must reach the failing upstream.
    models: { smart: { circuit_breaker: false, targets: [{ provider: 'flaky', model: 'm1' }] } },
    alerts: {
      webhook_url: receiver.url,
      evaluate_every_seconds: 1,
      provider_error_rate: { threshold: 0.5, min_requests: 5 },
    },
  });
  try {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'Hello' }] }),
      });
      await res.arrayBuffer();
      assert.ok(res.status >= 500, `request ${i} answered ${res.status}`);
    }
    const alertFor = () => receiver.received.find((r) => r.alert.kind === 'provider_error_rate');
    for (let waited = 0; !alertFor() && waited < 5_000; waited += 100) await sleep(100);
    const alert = alertFor();
    assert.ok(alert, `no error-rate alert; received ${JSON.stringify(receiver.received)}`);
    assert.equal(alert.alert.status, 'firing');
    assert.equal(alert.alert.provider, 'flaky');
    assert.equal(alert.alert.errors, 10);
    assert.match(alert.text, /provider "flaky" error rate is 100%/);
  } finally {
    await gateway.stop(0);
    await upstream.close();
    receiver.close();
  }
});
