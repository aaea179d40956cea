// Redis down must be a declared failure mode, never a 500 or a hang. Replicas
// 0 and 1 fail closed (503 with Retry-After in the caller's shape); replica 2 fails open (counts
// locally, its limits divided by the 3 replicas). One fleet holds both modes so that a single
// outage shows each; a deployment would choose one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  faultServices,
  useFleet,
  type Answer,
  budgetCounter,
  byStatus,
  call,
  createKey,
  report,
  storedEvents,
  sleep,
  storedSpend,
  until,
} from './fleet.ts';

const { postgres, skip } = await faultServices();

describe('Redis unreachable', { skip }, () => {
  const fleet = useFleet(postgres, (i) => ({
    redis: {
      on_failure: i === 2 ? 'open' : 'closed',
      replicas: 3,
      command_timeout_ms: 500,
      lease_ttl_s: 2,
      reconcile_s: 1,
    },
  }));

  async function anthropicCall(replica: number, key: string) {
    const res = await fetch(`${fleet().replicas[replica]!.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'counted',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hello' }],
      }),
      signal: AbortSignal.timeout(10_000),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as any,
    };
  }

  /** During one fault: the closed replicas, the open one, a key without limits, and /readyz. */
  async function duringFault(limited: string, free: string) {
    const closed = await Promise.all(Array.from({ length: 10 }, (_, i) => call(fleet(), i % 2, limited)));
    // Fixed one-minute windows: keep the fail-open burst clear of a window boundary.
    while (Date.now() % 60_000 > 55_000) await sleep(200);
    const open: Answer[] = [];
    for (let i = 0; i < 30; i++) open.push(await call(fleet(), 2, limited));
    const unlimited = await Promise.all([0, 1, 2].map((r) => call(fleet(), r, free)));
    const anthropic = await anthropicCall(0, limited);
    const res = await fetch(`${fleet().replicas[0]!.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const ready = { status: res.status, body: (await res.json()) as any };
    return { closed, open, unlimited, anthropic, ready };
  }

  test('fail-closed replicas answer 503 with Retry-After, the fail-open one counts locally', async () => {
    const limited = await createKey(fleet(), 'limited', {
      budget: { usd: 10, period: 'total' },
      limits: { rpm: 60 },
    });
    const free = await createKey(fleet(), 'free', {});
    assert.deepEqual(byStatus(await Promise.all([0, 1, 2].map((r) => call(fleet(), r, limited.key)))), {
      200: 3,
    });

    const outcomes: Array<
      Awaited<ReturnType<typeof duringFault>> & { fault: string; recoveryMs?: number; restoredAt?: number }
    > = [];
    for (const fault of ['blackHole', 'cut'] as const) {
      fleet().redisProxy[fault]();
      const seen = await duringFault(limited.key, free.key);
      outcomes.push({ fault, ...seen });
      fleet().redisProxy.restore();
      // A new one-minute window for the open replica's local rpm share, and Redis back in between.
      const restoredAt = performance.now();
      const recoveryMs = await until(
        'a fail-closed replica admits the limited key again',
        async () => (await call(fleet(), 0, limited.key)).status === 200,
      );
      // The fail-open replica notices too (its local share is full until then), so that the next
      // outage starts it counting afresh.
      await until(
        'the fail-open replica counts in Redis again',
        async () => (await call(fleet(), 2, limited.key)).status === 200,
      );
      Object.assign(outcomes.at(-1)!, { recoveryMs, restoredAt });
    }
    const restoredAt = outcomes.at(-1)!.restoredAt as number;
    const driftMs = await until('Redis agrees with the spend table', async () => {
      const c = await budgetCounter(fleet(), limited.id);
      return (c.settled ?? 0) + c.held === (await storedSpend(fleet(), limited.id));
    }).catch(() => -1);
    const counter = await budgetCounter(fleet(), limited.id);
    for (const o of outcomes) {
      report(`Redis ${o.fault === 'blackHole' ? 'black-holed' : 'refusing'}`, {
        fail_closed: {
          ...byStatus(o.closed),
          slowest_ms: Math.round(Math.max(...o.closed.map((a) => a.ms))),
        },
        fail_open: { ...byStatus(o.open), slowest_ms: Math.round(Math.max(...o.open.map((a) => a.ms))) },
        no_limits: byStatus(o.unlimited),
        anthropic_surface: { status: o.anthropic.status, type: o.anthropic.body?.error?.type },
        readyz: o.ready.body,
        recovery_ms: o.recoveryMs,
      });
    }
    report('Redis outage, after recovery', {
      events_stored: await storedEvents(fleet(), limited.id),
      spend_table_usd: (await storedSpend(fleet(), limited.id)) / 1e6,
      redis_usd: ((counter.settled ?? 0) + counter.held) / 1e6,
      counters_agree_after_ms: driftMs < 0 ? 'not within 20 s' : Math.round(performance.now() - restoredAt),
    });
    for (const o of outcomes) {
      assert.deepEqual(
        byStatus(o.closed),
        { '503 counters_unavailable': 10 },
        `${o.fault}: fail-closed replicas refuse`,
      );
      for (const a of o.closed) {
        assert.equal(a.code, 'counters_unavailable');
        assert.equal(a.retryAfter, '1');
      }
      // 60 requests per minute over 3 replicas: this one admits 20 on its own, counted afresh in
      // each outage.
      const served = o.open.filter((a) => a.status === 200).length;
      assert.equal(served, 20, 'fail-open admits its share of the limit');
      assert.deepEqual(
        Object.keys(byStatus(o.open)).filter((s) => s !== '200' && s !== '429'),
        [],
      );
      assert.deepEqual(byStatus(o.unlimited), { 200: 3 }, 'keys without limits do not need Redis');
      assert.equal(o.anthropic.status, 503);
      assert.equal(o.anthropic.body.type, 'error');
      assert.equal(o.anthropic.body.error.type, 'overloaded_error');
      assert.equal(o.anthropic.retryAfter, '1');
      assert.equal(o.ready.status, 200);
      assert.equal(o.ready.body.checks.redis.status, 'unavailable');
    }
    assert.ok(driftMs >= 0, 'Redis was brought back in line with the spend table');
  });
});
