import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { configSchema } from '../config/schema.ts';
import { Lifecycle } from '../core/lifecycle/index.ts';
import type { AttemptRecord, RequestRecord } from '../core/records/index.ts';
import { setImmediate } from 'node:timers/promises';
import { type AlertPayload, type AlertRecord, Alerts, type AlertsOptions, postWebhook } from './alerts.ts';

const HOUR = 3_600_000;

function setup(alerts: Record<string, unknown> = {}, options: Partial<AlertsOptions> = {}) {
  const settings = configSchema.parse({ alerts }).alerts;
  const clock = { now: 10 * HOUR };
  const sent: AlertPayload[] = [];
  const logged: string[] = [];
  const subject = new Alerts(settings, {
    log: (line) => logged.push(line),
    send: (payload) => sent.push(payload),
    now: () => clock.now,
    ...options,
  });
  return { alerts: subject, clock, sent, logged };
}

function record(attempts: Array<Partial<AttemptRecord>>, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: 'r',
    eventId: 'e',
    surface: 'openai',
    route: '/v1/chat/completions',
    receivedAt: 0,
    status: 200,
    attempts: attempts.map((a) => ({ provider: 'openai', model: 'm', status: 200, latencyMs: 100, ...a })),
    ...extra,
  };
}

/** `total` calls to `provider`, of which `failed` answered 500. */
function calls(alerts: Alerts, total: number, failed: number, provider = 'openai'): void {
  for (let i = 0; i < total; i++) alerts.observe(record([{ provider, status: i < failed ? 500 : 200 }]));
}

describe('provider error rate', () => {
  test('fires above the threshold, naming the provider', async () => {
    const { alerts, sent } = setup();
    calls(alerts, 40, 11); // 27.5% > 25%
    await alerts.evaluate();
    assert.equal(sent.length, 1);
    const [payload] = sent;
    assert.equal(payload!.alert.kind, 'provider_error_rate');
    assert.equal(payload!.alert.status, 'firing');
    assert.deepEqual(
      { provider: payload!.alert.kind === 'provider_error_rate' && payload!.alert.provider, requests: 40 },
      { provider: 'openai', requests: 40 },
    );
    assert.match(payload!.text, /provider "openai" error rate is 28% \(11 of 40 calls\)/);
  });

  test('does not fire at or below the threshold, or under min_requests', async () => {
    const below = setup();
    calls(below.alerts, 40, 10); // exactly 25%
    await below.alerts.evaluate();
    assert.deepEqual(below.sent, []);

    const few = setup();
    calls(few.alerts, 19, 19);
    await few.alerts.evaluate();
    assert.deepEqual(few.sent, []);
  });

  test('counts 429, GH_UPSTREAM codes and every attempt; skips the gateway surface', async () => {
    const { alerts, sent } = setup({ provider_error_rate: { threshold: 0.5, min_requests: 4 } });
    alerts.observe(record([{ status: 429 }, { status: 200 }]));
    alerts.observe(record([{ status: 502, errorCode: 'GH_UPSTREAM_UNREACHABLE' }]));
    alerts.observe(record([{ status: 400, errorCode: 'GH_UPSTREAM_TIMEOUT' }]));
    alerts.observe(record([{ status: 500 }, { status: 500 }], { surface: 'gateway' }));
    await alerts.evaluate();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.alert.kind === 'provider_error_rate' && sent[0]!.alert.errors, 3);
  });

  test('calls older than the window no longer count', async () => {
    const { alerts, clock, sent } = setup();
    calls(alerts, 40, 40);
    clock.now += 301_000;
    await alerts.evaluate();
    assert.deepEqual(sent, []);
  });

  test('false turns it off', async () => {
    const { alerts, sent } = setup({ provider_error_rate: false });
    calls(alerts, 40, 40);
    await alerts.evaluate();
    assert.deepEqual(sent, []);
  });
});

test('p95 latency fires above the threshold and not below', async () => {
  const slow = setup({ provider_p95_ms: { threshold: 1000, min_requests: 20 } });
  for (let i = 0; i < 100; i++) slow.alerts.observe(record([{ latencyMs: i < 90 ? 200 : 1500 }]));
  await slow.alerts.evaluate();
  assert.equal(slow.sent.length, 1);
  const alert = slow.sent[0]!.alert;
  assert.equal(alert.kind, 'provider_p95_latency');
  assert.ok(alert.kind === 'provider_p95_latency' && alert.p95Ms > 1000 && alert.p95Ms < 1500 * 1.25);
  assert.match(slow.sent[0]!.text, /p95 latency is about/);

  const fast = setup({ provider_p95_ms: { threshold: 1000, min_requests: 20 } });
  for (let i = 0; i < 100; i++) fast.alerts.observe(record([{ latencyMs: i < 95 ? 1000 : 5000 }]));
  await fast.alerts.evaluate();
  assert.deepEqual(fast.sent, []);
});

test('cooldown suppresses repeats; resolved is sent once; still firing after the cooldown is re-sent', async () => {
  const { alerts, clock, sent } = setup({ cooldown_seconds: 1800 });
  calls(alerts, 40, 40);
  await alerts.evaluate();
  clock.now += 30_000;
  calls(alerts, 40, 40);
  await alerts.evaluate();
  assert.deepEqual(
    sent.map((p) => p.alert.status),
    ['firing'],
  );

  clock.now += 301_000; // the window empties: below min_requests
  await alerts.evaluate();
  await alerts.evaluate();
  assert.deepEqual(
    sent.map((p) => p.alert.status),
    ['firing', 'resolved'],
  );
  assert.match(sent[1]!.text, /^Gatehouse resolved: provider "openai"/);

  calls(alerts, 40, 40); // flaps back within the cooldown: quiet
  await alerts.evaluate();
  assert.equal(sent.length, 2);

  clock.now += 1800_000;
  calls(alerts, 40, 40);
  await alerts.evaluate();
  assert.deepEqual(
    sent.map((p) => p.alert.status),
    ['firing', 'resolved', 'firing'],
  );
});

describe('spend anomaly', () => {
  const history = (hours: number[]) => ({ spendHistory: async () => hours });

  test('fires when the last hour is above factor × the baseline mean', async () => {
    const { alerts, sent } = setup({}, history([2, 2, 2, 2, 7]));
    await alerts.evaluate();
    assert.equal(sent.length, 1);
    const { alert } = sent[0]!;
    assert.deepEqual(alert.kind === 'spend_anomaly' && [alert.lastHourUsd, alert.baselineMeanUsd], [7, 2]);
    assert.match(sent[0]!.text, /spend in the last hour is \$7\.00 against an hourly mean of \$2\.00/);
  });

  test('does not fire under the factor, under min_usd, or with too short a baseline', async () => {
    for (const hours of [
      [2, 2, 2, 2, 6],
      [0.1, 0.1, 0.1, 0.9],
      [2, 2, 9],
      [0, 0, 0, 5], // a quiet past must span baseline_hours (24)
    ]) {
      const { alerts, sent } = setup({}, history(hours));
      await alerts.evaluate();
      assert.deepEqual(sent, [], `history ${hours.join(', ')}`);
    }
  });

  test('a quiet past of baseline_hours then a costly hour fires', async () => {
    const { alerts, sent } = setup({ spend_anomaly: { baseline_hours: 3 } }, history([0, 0, 0, 5]));
    await alerts.evaluate();
    assert.equal(sent.length, 1);
  });

  test('without a history, the spend of recorded requests counts by hour', async () => {
    const { alerts, clock, sent } = setup({ spend_anomaly: { baseline_hours: 3 } });
    clock.now += HOUR / 2;
    for (let hour = 0; hour < 3; hour++) {
      alerts.observe(record([], { costUsd: 1 }));
      clock.now += HOUR;
    }
    alerts.observe(record([], { costUsd: 3.5 }));
    await alerts.evaluate();
    // Three full hours observed, so only two lie before the last 60 minutes: too short a baseline.
    assert.equal(sent.length, 0);
    clock.now += HOUR / 2;
    await alerts.evaluate();
    assert.equal(sent.length, 1);
    assert.deepEqual(
      sent[0]!.alert.kind === 'spend_anomaly' && [sent[0]!.alert.lastHourUsd, sent[0]!.alert.baselineMeanUsd],
      [3.5, 1],
    );
  });
});

test("records of the lifecycle's finished requests are observed between start() and stop()", async () => {
  const { alerts, sent } = setup({ provider_error_rate: { min_requests: 1 } });
  const lifecycle = new Lifecycle();
  const otherGateway = new Lifecycle();
  alerts.start(lifecycle);
  lifecycle.requestEnded(record([{ provider: 'anthropic', status: 503 }]));
  otherGateway.requestEnded(record([{ provider: 'bedrock', status: 503 }]));
  alerts.stop();
  lifecycle.requestEnded(record([{ provider: 'gemini', status: 503 }]));
  await alerts.evaluate();
  assert.deepEqual(
    sent.map((p) => p.alert.kind === 'provider_error_rate' && p.alert.provider),
    ['anthropic'],
  );
});

test('payloads posted to the webhook are Slack-compatible; failures are logged, never thrown', async () => {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(bodies.length === 1 ? 200 : 500).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  try {
    const logged: string[] = [];
    const { alerts } = setup({}, { send: undefined, webhookUrl: url, log: (line) => logged.push(line) });
    calls(alerts, 40, 40);
    await alerts.evaluate();
    for (let i = 0; i < 50 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const body = bodies[0] as { text: unknown; alert: { kind: string; provider: string } };
    assert.equal(typeof body.text, 'string');
    assert.deepEqual([body.alert.kind, body.alert.provider], ['provider_error_rate', 'openai']);

    await postWebhook(url, { text: 'x' }, (line) => logged.push(line));
    await postWebhook('http://127.0.0.1:1/hook', { text: 'x' }, (line) => logged.push(line));
    assert.equal(logged.length, 2);
    assert.match(logged[0]!, /answered 500/);
    assert.match(logged[1]!, /webhook 127\.0\.0\.1:1 failed/);
  } finally {
    server.close();
  }
});

describe('history', () => {
  test('each message sent is recorded with its subject, status and fields', async () => {
    const kept: AlertRecord[] = [];
    const { alerts, clock, sent } = setup({}, { record: async (a) => void kept.push(a) });
    calls(alerts, 40, 40);
    await alerts.evaluate();
    clock.now += 600_000; // the window has moved past the failures
    calls(alerts, 40, 0);
    await alerts.evaluate();
    await setImmediate();
    assert.equal(sent.length, 2);
    assert.deepEqual(
      kept.map((k) => [k.kind, k.subject, k.status, k.at]),
      [
        ['provider_error_rate', 'openai', 'firing', 10 * HOUR],
        ['provider_error_rate', 'openai', 'resolved', 10 * HOUR + 600_000],
      ],
    );
    assert.equal(kept[0]!.text, sent[0]!.text);
    assert.equal(JSON.parse(kept[0]!.details).errors, 40);
  });

  test('a store that fails neither stops the message nor throws; it is logged', async () => {
    const { alerts, sent, logged } = setup({}, { record: () => Promise.reject(new Error('disk full')) });
    calls(alerts, 40, 40);
    await alerts.evaluate();
    await setImmediate();
    assert.equal(sent.length, 1);
    assert.ok(
      logged.some((l) => /history not written: disk full/.test(l)),
      logged.join('\n'),
    );
    const test = await alerts.test('user:ann');
    assert.equal(test.alert.status, 'test');
    assert.equal(sent.length, 2);
  });

  test('states say what fires since when, and what was resolved when', async () => {
    const { alerts, clock } = setup({ cooldown_seconds: 60 });
    calls(alerts, 40, 40, 'a');
    calls(alerts, 40, 40, 'b');
    await alerts.evaluate();
    const firedAt = clock.now;
    clock.now += 120_000; // past the cooldown: a reminder, still firing since the first message
    calls(alerts, 40, 0, 'b');
    calls(alerts, 400, 0, 'b');
    await alerts.evaluate();
    const states = Object.fromEntries(alerts.states().alerts.map((s) => [s.subject, s]));
    assert.deepEqual([states.a!.firing, states.a!.since], [true, firedAt]);
    assert.deepEqual([states.b!.firing, states.b!.since], [false, clock.now]);
  });
});
