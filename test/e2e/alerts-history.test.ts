// Alert history and the alert routes end to end: a failing provider fires an error-rate alert and
// recovering resolves it; both messages, and a test alert, are kept in the store (SQLite and
// PostgreSQL) and listed newest first, page by page, with filters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient, readAllPages } from '../helpers/admin.ts';
import { bothStores, type TestDatabase } from '../helpers/database.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { startWebhookReceiver } from '../helpers/webhook.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';

interface Received {
  text: string;
  alert: { kind: string; status: string; provider?: string };
}

const startReceiver = () => startWebhookReceiver<Received>('/hook/secret-token');

async function chat(gateway: Gateway): Promise<number> {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'Hello' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

for (const store of await bothStores()) {
  describe(`alert history on ${store.name}`, { skip: store.skip }, () => {
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let upstream: Awaited<ReturnType<typeof startOpenAIUpstream>>;
    let gateway: Gateway;
    const admin = adminClient(() => gateway);
    const db: TestDatabase = store;

    before(async () => {
      receiver = await startReceiver();
      upstream = await startOpenAIUpstream();
      gateway = await startTestGateway(
        {
          providers: {
            flaky: { type: 'openai-compatible', base_url: `${upstream.url}/v1`, api_key: 'sk-up' },
          },
          models: { smart: { circuit_breaker: false, targets: [{ provider: 'flaky', model: 'm1' }] } },
          alerts: {
            webhook_url: receiver.url,
            evaluate_every_seconds: 1,
            provider_error_rate: { threshold: 0.5, min_requests: 5 },
            spend_anomaly: false,
          },
        },
        { databaseUrl: db.url! },
      );
    });

    after(async () => {
      await gateway?.stop(0);
      await upstream?.close();
      receiver?.close();
      await db.drop();
    });

    test('a failing provider fires, recovering resolves, and both are listed', async () => {
      const rules = await admin('GET', '/admin/alerts');
      assert.equal(rules.status, 200);
      assert.equal(rules.body.channel, receiver.url.replace(/^http:\/\/|\/hook.*$/g, ''));
      const byKind = (body: any) => Object.fromEntries(body.data.map((r: any) => [r.kind, r]));
      assert.equal(byKind(rules.body).provider_error_rate.state, 'ok');
      assert.equal(byKind(rules.body).spend_anomaly.state, 'off');
      assert.deepEqual(byKind(rules.body).provider_error_rate.settings, { threshold: 0.5, min_requests: 5 });

      const failure = { error: { message: 'boom', type: 'server_error', param: null, code: null } };
      for (let i = 0; i < 6; i++) upstream.faults.push({ kind: 'status', status: 500, body: failure });
      for (let i = 0; i < 6; i++) assert.ok((await chat(gateway)) >= 500);
      const history = async (query = '') => (await admin('GET', `/admin/alerts/history${query}`)).body.data;
      let firing: any[] = [];
      assert.ok(
        await until(() => receiver.received.some((r) => r.alert.status === 'firing'), 10_000),
        'no firing alert reached the webhook',
      );
      for (let i = 0; i < 50 && firing.length === 0; i++) firing = await history('?status=firing');
      assert.equal(firing.length, 1);
      assert.equal(firing[0].kind, 'provider_error_rate');
      assert.equal(firing[0].subject, 'flaky');
      assert.equal(firing[0].details.errors, 6);
      assert.match(firing[0].text, /provider "flaky" error rate is 100%/);

      const now = (await admin('GET', '/admin/alerts')).body;
      const rule = byKind(now).provider_error_rate;
      assert.equal(rule.state, 'firing');
      assert.equal(rule.firing[0].subject, 'flaky');
      assert.equal(rule.since, firing[0].at);

      // Successes bring the share of failures to half, which is not above the threshold.
      for (let i = 0; i < 6; i++) assert.equal(await chat(gateway), 200);
      assert.ok(
        await until(() => receiver.received.some((r) => r.alert.status === 'resolved'), 10_000),
        'no resolved alert reached the webhook',
      );
      let resolved: any[] = [];
      for (let i = 0; i < 50 && resolved.length === 0; i++) resolved = await history('?status=resolved');
      assert.equal(resolved[0].subject, 'flaky');
      assert.equal(byKind((await admin('GET', '/admin/alerts')).body).provider_error_rate.state, 'ok');
    });

    test('a test alert goes through the channel, is audited and kept', async () => {
      const sent = await admin('POST', '/admin/alerts/test');
      assert.equal(sent.status, 202, JSON.stringify(sent.body));
      assert.match(sent.body.text, /test alert, sent by master/);
      assert.ok(await until(() => receiver.received.some((r) => r.alert.kind === 'test'), 5_000));
      const tests = (await admin('GET', '/admin/alerts/history?kind=test')).body.data;
      assert.equal(tests.length, 1);
      assert.equal(tests[0].status, 'test');
      assert.equal(tests[0].at, sent.body.at);
      const audit = (await admin('GET', '/admin/audit')).body.data;
      assert.ok(
        audit.some((e: any) => e.action === 'alert.test'),
        JSON.stringify(audit),
      );
    });

    test('the history pages newest first and filters by time', async () => {
      const all = (await admin('GET', '/admin/alerts/history')).body.data;
      assert.deepEqual(
        all.map((e: any) => e.status),
        ['test', 'resolved', 'firing'],
      );
      const paged = await readAllPages(admin, '/admin/alerts/history', 1);
      assert.equal(paged.pages, 3);
      assert.deepEqual(
        paged.items.map((e: any) => e.id),
        all.map((e: any) => e.id),
      );
      const since = encodeURIComponent(all[1].at);
      const recent = (await admin('GET', `/admin/alerts/history?since=${since}`)).body.data;
      assert.deepEqual(
        recent.map((e: any) => e.id),
        all.slice(0, 2).map((e: any) => e.id),
      );
      const older = (await admin('GET', `/admin/alerts/history?until=${since}`)).body.data;
      assert.deepEqual(
        older.map((e: any) => e.id),
        [all[2].id],
      );
    });

    test('bad input is a 400 naming the parameter', async () => {
      for (const [query, param] of [
        ['kind=nope', 'kind'],
        ['status=open', 'status'],
        ['since=yesterday', 'since'],
        ['since=1h&until=2h', 'until'],
        ['cursor=abc', 'cursor'],
        ['limit=0', 'limit'],
        ['team=x', 'team'],
      ]) {
        const res = await admin('GET', `/admin/alerts/history?${query}`);
        assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.param, param, query);
      }
      const body = await admin('POST', '/admin/alerts/test', { channel: 'other' });
      assert.equal(body.status, 400);
    });
  });
}

test('without a channel, alerting is off and a test alert is refused; only admins read alerts', async () => {
  const gateway = await startTestGateway({ providers: { mock: { type: 'mock' } } });
  try {
    const admin = adminClient(() => gateway);
    const rules = await admin('GET', '/admin/alerts');
    assert.equal(rules.body.channel, null);
    assert.ok(rules.body.data.every((r: any) => r.state === 'off' && r.since === null));
    const sent = await admin('POST', '/admin/alerts/test');
    assert.equal(sent.status, 409);
    assert.match(sent.body.error.message, /no alert channel is configured/);
    assert.deepEqual((await admin('GET', '/admin/alerts/history')).body, { data: [], next_cursor: null });
    // Alerts and experiments are operator data: a team's key is refused.
    assert.equal((await admin('POST', '/admin/teams', { name: 'search' })).status, 201);
    const key = (await admin('POST', '/admin/keys', { name: 'bot', team: 'search' })).body.key;
    for (const path of ['/admin/alerts', '/admin/alerts/history', '/admin/experiments']) {
      const res = await fetch(gateway.url + path, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(res.status, 403, path);
      await res.arrayBuffer();
    }
  } finally {
    await gateway.stop(0);
  }
});
