// Routing end to end, through the OpenAI SDK against mock upstreams: strategies spread real calls,
// circuit breakers skip a failing upstream and probe it after the cooldown, rules route by the
// prompt, experiments keep a caller on its variant and are reported by variant, and a shadow call
// never delays the caller.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { startAnthropicUpstream } from '../upstreams/anthropic.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

const open: Array<{ stop?: (ms: number) => Promise<void>; close?: () => Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0)) await (item.stop ? item.stop(0) : item.close!());
});

async function upstreams(count: number): Promise<MockUpstream[]> {
  const list = await Promise.all(Array.from({ length: count }, () => startOpenAIUpstream()));
  open.push(...list);
  return list;
}

const provider = (up: MockUpstream) => ({
  type: 'openai-compatible',
  base_url: `${up.url}/v1`,
  api_key: 'sk-up',
});

async function gateway(config: Record<string, unknown>): Promise<Gateway> {
  const g = await startTestGateway({ routing: { backoff_base_ms: 1 }, ...config });
  open.push(g);
  return g;
}

const client = (g: Gateway, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey: testMasterKey, baseURL: `${g.url}/v1`, maxRetries: 0, defaultHeaders: headers });

const hello = (model: string, content = 'Hello') => ({
  model,
  messages: [{ role: 'user' as const, content }],
});

/** Polls an async check (the request log is written in the background) for up to 5 s. */
async function poll(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const fail500 = {
  kind: 'status' as const,
  status: 500,
  body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
};

test('weighted: 400 calls split 3:1 between two upstreams', async () => {
  const [a, b] = await upstreams(2);
  const g = await gateway({
    providers: { a: provider(a!), b: provider(b!) },
    models: {
      chat: {
        strategy: 'weighted',
        targets: [
          { provider: 'a', model: 'm', weight: 3 },
          { provider: 'b', model: 'm', weight: 1 },
        ],
      },
    },
  });
  const openai = client(g);
  for (let i = 0; i < 40; i++)
    await Promise.all(Array.from({ length: 10 }, () => openai.chat.completions.create(hello('chat'))));
  const share = a!.requests.length / 400;
  // σ = sqrt(.75 × .25 / 400) ≈ 0.022: five of them either side.
  assert.ok(Math.abs(share - 0.75) < 0.11, `a served ${a!.requests.length} of 400`);
  assert.equal(a!.requests.length + b!.requests.length, 400);
});

test('least_cost: calls go to the target whose prices make the request cheapest', async () => {
  const [dear, cheap] = await upstreams(2);
  const g = await gateway({
    providers: { dear: provider(dear!), cheap: provider(cheap!) },
    prices: {
      'big-model': { input_per_mtok: 10, output_per_mtok: 30 },
      'small-model': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
    },
    models: {
      chat: {
        strategy: 'least_cost',
        targets: [
          { provider: 'dear', model: 'big-model' },
          { provider: 'cheap', model: 'small-model' },
        ],
      },
    },
  });
  for (let i = 0; i < 20; i++) await client(g).chat.completions.create(hello('chat'));
  assert.equal(cheap!.requests.length, 20);
  assert.equal(dear!.requests.length, 0);
});

test('least_latency: most calls go to the faster upstream', async () => {
  const [slow, fast] = await upstreams(2);
  for (let i = 0; i < 100; i++) slow!.faults.push({ kind: 'stall', ms: 150 });
  const g = await gateway({
    providers: { slow: provider(slow!), fast: provider(fast!) },
    models: {
      chat: {
        strategy: 'least_latency',
        exploration: 0.1,
        targets: [
          { provider: 'slow', model: 'm' },
          { provider: 'fast', model: 'm' },
        ],
      },
    },
  });
  for (let i = 0; i < 100; i++) await client(g).chat.completions.create(hello('chat'));
  // Exploration sends the slow one about 5 % (σ ≈ 2.2 %), plus its first, untried call.
  assert.ok(fast!.requests.length > 80, `fast served ${fast!.requests.length} of 100`);
  const targets = await adminClient(() => g)('GET', '/admin/targets');
  const byProvider = Object.fromEntries(targets.body.data.map((t: any) => [t.provider, t]));
  assert.ok(byProvider.slow.latency_ewma_ms > byProvider.fast.latency_ewma_ms);
});

test('least_busy: a slow upstream holding calls gets fewer new ones', async () => {
  const [slow, fast] = await upstreams(2);
  for (let i = 0; i < 80; i++) slow!.faults.push({ kind: 'stall', ms: 200 });
  const g = await gateway({
    providers: { slow: provider(slow!), fast: provider(fast!) },
    models: {
      chat: {
        strategy: 'least_busy',
        targets: [
          { provider: 'slow', model: 'm' },
          { provider: 'fast', model: 'm' },
        ],
      },
    },
  });
  const openai = client(g);
  // Eight callers, ten calls each: calls held by the slow upstream steer new ones to the fast one.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 10; i++) await openai.chat.completions.create(hello('chat'));
    }),
  );
  assert.equal(slow!.requests.length + fast!.requests.length, 80);
  // An even split would be 40; the slow one is busy most of the time it is offered a call.
  assert.ok(fast!.requests.length >= 56, `fast served ${fast!.requests.length} of 80`);
});

test('circuit breaker: opens after failures, skips the upstream at once, probes after the cooldown, closes on success', async () => {
  const [flaky, backup] = await upstreams(2);
  for (let i = 0; i < 3; i++) flaky!.faults.push(fail500);
  const g = await gateway({
    providers: { flaky: provider(flaky!), backup: provider(backup!) },
    models: {
      chat: {
        circuit_breaker: { failure_threshold: 3, window_s: 10, cooldown_s: 0.6 },
        targets: [
          { provider: 'flaky', model: 'm' },
          { provider: 'backup', model: 'm' },
        ],
      },
    },
  });
  const admin = adminClient(() => g);
  const openai = client(g);
  for (let i = 0; i < 3; i++) await openai.chat.completions.create(hello('chat'));
  assert.equal(flaky!.requests.length, 3);
  const opened = performance.now();
  const state = async () =>
    (await admin('GET', '/admin/targets')).body.data.find((t: any) => t.provider === 'flaky');
  assert.equal((await state()).breaker, 'open');
  assert.equal((await state()).health, 'unhealthy');
  // While open: no call reaches it, and the answer does not wait for it.
  for (let i = 0; i < 5; i++) {
    const res = await openai.chat.completions.create(hello('chat')).withResponse();
    assert.equal(res.response.headers.get('x-gatehouse-provider'), 'backup');
    assert.equal(res.response.headers.get('x-gatehouse-attempts'), '1');
  }
  const skippedFor = performance.now() - opened;
  if (skippedFor < 550) assert.equal(flaky!.requests.length, 3, 'no call while the breaker is open');
  // After the cooldown a probe goes through; it succeeds and the breaker closes.
  await until(() => performance.now() - opened > 650, 2_000);
  await openai.chat.completions.create(hello('chat'));
  assert.equal(flaky!.requests.length, 4, 'one probe after the cooldown');
  assert.equal((await state()).breaker, 'closed');
  const metrics = await (await fetch(`${g.url}/metrics`)).text();
  assert.match(metrics, /gatehouse_breaker_transitions_total\{provider="flaky",model="m",to="open"\} 1/);
  assert.match(metrics, /gatehouse_breaker_transitions_total\{provider="flaky",model="m",to="closed"\} 1/);
  assert.match(metrics, /gatehouse_target_breaker_state\{provider="flaky",model="m"\} 0/);
});

test('circuit breaker: every target open answers 503 with Retry-After, without any upstream call', async () => {
  const [only] = await upstreams(1);
  for (let i = 0; i < 2; i++) only!.faults.push(fail500);
  const g = await gateway({
    providers: { only: provider(only!) },
    models: {
      chat: {
        circuit_breaker: { failure_threshold: 2, window_s: 10, cooldown_s: 30 },
        targets: [{ provider: 'only', model: 'm' }],
      },
    },
  });
  for (let i = 0; i < 2; i++) await assert.rejects(client(g).chat.completions.create(hello('chat')));
  const res = await fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(hello('chat')),
  });
  assert.equal(res.status, 503);
  assert.ok(Number(res.headers.get('retry-after')) >= 29);
  assert.equal((await res.json()).error.code, 'circuit_open');
  assert.equal(only!.requests.length, 2);
});

test('rules: simple prompts go to the small model, complex ones and a header-picked tier to the large one', async () => {
  const [small, large] = await upstreams(2);
  const g = await gateway({
    providers: { small: provider(small!), large: provider(large!) },
    models: {
      chat: {
        targets: [{ provider: 'large', model: 'large-model' }],
        rules: [
          { when: { header: { 'x-tier': 'gold' } }, model: 'big' },
          { when: { complexity: { below: 0.5 } }, targets: [{ provider: 'small', model: 'small-model' }] },
        ],
      },
      big: { targets: [{ provider: 'large', model: 'large-model' }] },
    },
  });
  await client(g).chat.completions.create(hello('chat', 'What is the capital of France?'));
  assert.equal(small!.requests.length, 1);
  await client(g).chat.completions.create(
    hello(
      'chat',
      'Design a sharded rate limiter in Go. First, analyze the trade-offs between token bucket and sliding window; then implement the algorithm with tests:\n```go\nfunc Allow(key string) bool {}\n```\nFinally, prove that the error is bounded.',
    ),
  );
  assert.equal(large!.requests.length, 1);
  await client(g, { 'x-tier': 'gold' }).chat.completions.create(hello('chat', 'Hi'));
  assert.equal(large!.requests.length, 2);
  assert.equal(small!.requests.length, 1);
});

test('experiments: sticky by header, split by weight, recorded per event and reported by variant', async () => {
  const [current, next] = await upstreams(2);
  const g = await gateway({
    providers: { current: provider(current!), next: provider(next!) },
    models: {
      'chat-current': { targets: [{ provider: 'current', model: 'm' }] },
      'chat-next': { targets: [{ provider: 'next', model: 'm' }] },
    },
    experiments: {
      trial: {
        model: 'chat',
        sticky_by: 'header:x-session',
        variants: {
          control: { model: 'chat-current', weight: 50 },
          candidate: { model: 'chat-next', weight: 50 },
        },
      },
    },
  });
  const sessions = Array.from({ length: 40 }, (_, i) => `session-${i}`);
  const servedBy = new Map<string, Set<string>>();
  for (let round = 0; round < 4; round++) {
    for (const session of sessions) {
      const res = await client(g, { 'x-session': session })
        .chat.completions.create(hello('chat'))
        .withResponse();
      const set = servedBy.get(session) ?? new Set();
      set.add(res.response.headers.get('x-gatehouse-provider')!);
      servedBy.set(session, set);
    }
  }
  for (const [session, set] of servedBy) assert.equal(set.size, 1, `${session} moved between variants`);
  const candidates = [...servedBy.values()].filter((s) => s.has('next')).length;
  // 40 sessions at 50 %: σ ≈ 3.2.
  assert.ok(candidates > 8 && candidates < 32, `${candidates} of 40 sessions on the candidate`);
  const models = await client(g).models.list();
  assert.ok(
    models.data.some((m) => m.id === 'chat'),
    'the experiment name is listed as a model',
  );
  const admin = adminClient(() => g);
  let report: any;
  const reported = await poll(async () => {
    report = (await admin('GET', '/admin/usage?by=experiment,variant&bucket=none&since=1h')).body;
    return report.totals?.requests === 160;
  });
  assert.ok(reported, `usage by variant: ${JSON.stringify(report)}`);
  const rows = Object.fromEntries(report.data.map((r: any) => [r.variant, r]));
  assert.equal(rows.control.requests + rows.candidate.requests, 160);
  assert.equal(rows.candidate.requests, candidates * 4);
  assert.equal(rows.control.experiment, 'trial');
  assert.equal(rows.control.errors, 0);
  assert.ok(
    rows.control.latency_p50_ms !== null && rows.control.latency_p95_ms >= rows.control.latency_p50_ms,
  );
  const logs = (await admin('GET', '/admin/logs?model=chat&limit=1')).body.data;
  assert.equal(logs[0].experiment, 'trial');
  assert.ok(['control', 'candidate'].includes(logs[0].variant));
});

test('shadow: the caller never waits for the mirror; the shadow call is recorded beside the primary', async () => {
  const [primary, shadow] = await upstreams(2);
  // The shadow upstream takes 1.5 s; the caller must have its answer long before.
  for (let i = 0; i < 5; i++) shadow!.faults.push({ kind: 'stall', ms: 1_500 });
  const g = await gateway({
    providers: { primary: provider(primary!), shadow: provider(shadow!) },
    prices: { m: { input_per_mtok: 1, output_per_mtok: 2 } },
    models: {
      'chat-current': { targets: [{ provider: 'primary', model: 'm' }] },
      'chat-next': { targets: [{ provider: 'shadow', model: 'm' }] },
    },
    experiments: {
      mirror: {
        model: 'chat',
        variants: { control: { model: 'chat-current', weight: 1 } },
        shadow: { model: 'chat-next', percent: 100 },
      },
    },
  });
  const started = performance.now();
  const answer = await client(g).chat.completions.create(hello('chat')).withResponse();
  const tookMs = performance.now() - started;
  assert.ok(tookMs < 1_000, `the caller waited ${Math.round(tookMs)} ms`);
  assert.equal(answer.response.headers.get('x-gatehouse-provider'), 'primary');
  const stream = await client(g).chat.completions.create({ ...hello('chat'), stream: true });
  for await (const _ of stream) {
    /* read to the end */
  }
  assert.ok(performance.now() - started < 1_400, 'the stream did not wait for its shadow either');
  assert.ok(await until(() => shadow!.requests.length === 2, 2_000));
  for (const r of shadow!.requests)
    assert.notEqual(r.body.stream, true, 'the mirror asks for a complete answer');
  const admin = adminClient(() => g);
  let events: any[] = [];
  const logged = await poll(async () => {
    events = (await admin('GET', '/admin/logs?limit=10')).body.data;
    return events.filter((e: any) => e.variant === 'shadow').length === 2;
  });
  assert.ok(logged, JSON.stringify(events));
  const primaries = events.filter((e) => e.variant === 'control');
  for (const s of events.filter((e) => e.variant === 'shadow')) {
    assert.equal(s.route, 'shadow');
    assert.equal(s.experiment, 'mirror');
    assert.equal(s.provider, 'shadow');
    assert.ok(
      primaries.some((p) => p.id === s.shadow_of),
      'shadow_of names its primary',
    );
    assert.ok(s.duration_ms >= 1_400, `the shadow's own latency: ${s.duration_ms}`);
    assert.ok(s.cost_usd > 0, 'priced');
    assert.equal(s.shadow_differed, false, 'the mock answers both alike');
  }
});

test('shadow: an answer that differs from the primary is recorded as differing', async () => {
  const [primary] = await upstreams(1);
  const other = await startAnthropicUpstream();
  open.push(other);
  const g = await gateway({
    providers: {
      primary: provider(primary!),
      other: { type: 'anthropic', base_url: other.url, api_key: 'sk-ant' },
    },
    models: {
      current: { targets: [{ provider: 'primary', model: 'm' }] },
      claude: { targets: [{ provider: 'other', model: 'claude-sonnet-4-5' }] },
    },
    experiments: {
      compare: {
        model: 'chat',
        variants: { control: { model: 'current', weight: 1 } },
        shadow: { model: 'claude', percent: 100 },
      },
    },
  });
  await client(g).chat.completions.create(hello('chat'));
  const admin = adminClient(() => g);
  let shadow: any;
  const logged = await poll(async () => {
    shadow = (await admin('GET', '/admin/logs?limit=10')).body.data.find((e: any) => e.variant === 'shadow');
    return shadow !== undefined;
  });
  assert.ok(logged);
  assert.equal(shadow.status, 200);
  assert.equal(shadow.provider, 'other');
  assert.equal(shadow.shadow_differed, true, 'the two mocks answer with different texts');
});

test('health checks: a failing target is taken out and brought back without any caller request', async () => {
  const [up] = await upstreams(1);
  for (let i = 0; i < 2; i++) up!.faults.push(fail500);
  const g = await gateway({
    providers: { up: provider(up!) },
    models: {
      chat: {
        health_check: { interval_s: 1, timeout_ms: 2000 },
        circuit_breaker: { failure_threshold: 2, window_s: 30, cooldown_s: 60 },
        targets: [{ provider: 'up', model: 'm' }],
      },
    },
  });
  const admin = adminClient(() => g);
  const target = async () => (await admin('GET', '/admin/targets')).body.data[0];
  let seen: any;
  const breakerIs = (phase: string) => async () => {
    seen = await target();
    return seen.breaker === phase;
  };
  assert.ok(await poll(breakerIs('open')), JSON.stringify(seen));
  assert.equal(seen.last_check.ok, false);
  assert.equal(seen.last_check.error_code, 'upstream_error');
  // The next check passes and closes the breaker long before its 60 s cooldown.
  assert.ok(await poll(breakerIs('closed')), JSON.stringify(seen));
  assert.equal(seen.last_check.ok, true);
  assert.ok(up!.requests.length >= 3, 'two failed checks, then a passing one');
  assert.equal(up!.requests[0]!.body.max_tokens ?? up!.requests[0]!.body.max_completion_tokens, 1);
});

test('experiments: sticky by virtual key, the same key keeps its variant', async () => {
  const [current, next] = await upstreams(2);
  const g = await gateway({
    providers: { current: provider(current!), next: provider(next!) },
    models: {
      'chat-current': { targets: [{ provider: 'current', model: 'm' }] },
      'chat-next': { targets: [{ provider: 'next', model: 'm' }] },
    },
    experiments: {
      trial: {
        model: 'chat',
        sticky_by: 'key',
        variants: {
          control: { model: 'chat-current', weight: 1 },
          candidate: { model: 'chat-next', weight: 1 },
        },
      },
    },
  });
  const admin = adminClient(() => g);
  assert.equal((await admin('POST', '/admin/teams', { name: 'trialists' })).status, 201);
  const variants = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const created = await admin('POST', '/admin/keys', { name: `sticky-${i}`, team: 'trialists' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const openai = new OpenAI({ apiKey: created.body.key, baseURL: `${g.url}/v1`, maxRetries: 0 });
    const served = new Set<string>();
    for (let j = 0; j < 3; j++) {
      const res = await openai.chat.completions.create(hello('chat')).withResponse();
      served.add(res.response.headers.get('x-gatehouse-provider')!);
    }
    assert.equal(served.size, 1, `key ${i} moved between variants`);
    variants.add([...served][0]!);
  }
  // 20 keys at 50/50: all on one side has odds of one in half a million.
  assert.deepEqual([...variants].sort(), ['current', 'next']);
});
