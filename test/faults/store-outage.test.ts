// A PostgreSQL outage must not be a data-plane outage. Keys seen before are
// served from the stale cache, a key never seen gets a quick 503 with Retry-After, /readyz answers
// at once, and once the store is back the spend and the request events all reach it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  faultServices,
  useFleet,
  type Answer,
  byStatus,
  call,
  createKey,
  report,
  sleep,
  storedEvents,
  storedSpend,
  until,
} from './fleet.ts';

const { postgres, skip } = await faultServices();

describe('PostgreSQL unreachable', { skip }, () => {
  const fleet = useFleet(postgres, () => ({
    store: { stale_cache_s: 60, timeout_ms: 500 },
    redis: { lease_ttl_s: 2, reconcile_s: 1 },
  }));

  async function readiness(replica: number) {
    try {
      const res = await fetch(`${fleet().replicas[replica]!.url}/readyz`, {
        signal: AbortSignal.timeout(5_000),
      });
      return {
        status: res.status,
        body: (await res.json()) as { status: string; checks: { store: { status: string } } },
      };
    } catch {
      return { status: 0, body: undefined };
    }
  }

  /** Calls the fleet() round-robin, six at a time, for `ms`. */
  async function load(key: string, ms: number): Promise<Answer[]> {
    const answers: Answer[] = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      answers.push(...(await Promise.all(Array.from({ length: 6 }, (_, i) => call(fleet(), i % 3, key)))));
      await sleep(100);
    }
    return answers;
  }

  test('keys seen before keep working through a black hole and a refusal; an unseen key gets 503', async () => {
    const known = await createKey(fleet(), 'known', {
      budget: { usd: 100, period: 'total' },
      limits: { rpm: 10_000 },
    });
    const unseen = await createKey(fleet(), 'unseen', {});
    const warm = await Promise.all([0, 1, 2].map((r) => call(fleet(), r, known.key)));
    assert.deepEqual(byStatus(warm), { 200: 3 });

    fleet().storeProxy.blackHole();
    // Past the two-second key cache, so that every replica must do without the store.
    const silent = await load(known.key, 4_000);
    const unseenAnswer = await call(fleet(), 0, unseen.key);
    const ready = await readiness(1);
    fleet().storeProxy.cut();
    const refused = await load(known.key, 2_000);
    fleet().storeProxy.restore();
    const restoredAt = performance.now();
    const recoveryMs = await until(
      'a key never seen before works again',
      async () => (await call(fleet(), 2, unseen.key)).status === 200,
    );
    const during = [...silent, ...refused];
    const served = 3 + during.filter((a) => a.status === 200).length;
    const spendMs = await until(
      'the spend reaches the spend table',
      async () => (await storedSpend(fleet(), known.id)) === served * 10_000,
      30_000,
    ).catch(() => -1);
    const eventsMs = await until(
      'every event reaches the store',
      async () => ((await storedEvents(fleet(), known.id))['200'] ?? 0) === served,
      30_000,
    ).catch(() => -1);
    report('PostgreSQL black-holed 4 s, then refusing 2 s', {
      served: during.filter((a) => a.status === 200).length,
      refused: byStatus(during.filter((a) => a.status !== 200)),
      slowest_ms: Math.round(Math.max(...during.map((a) => a.ms))),
      unseen_key: {
        status: unseenAnswer.status,
        code: unseenAnswer.code,
        retry_after: unseenAnswer.retryAfter,
        ms: Math.round(unseenAnswer.ms),
      },
      readyz_during: { status: ready.status, body: ready.body },
      events_stored: await storedEvents(fleet(), known.id),
      spend_table_usd: (await storedSpend(fleet(), known.id)) / 1e6,
      recovery_ms: recoveryMs,
      spend_caught_up_ms: spendMs < 0 ? 'not within 30 s' : Math.round(performance.now() - restoredAt),
      events_caught_up_ms: eventsMs,
    });
    assert.deepEqual(byStatus(during), { 200: during.length }, 'every call with a known key was served');
    assert.equal(unseenAnswer.status, 503);
    assert.equal(unseenAnswer.code, 'store_unavailable');
    assert.equal(unseenAnswer.retryAfter, '1');
    assert.equal(ready.status, 200);
    assert.equal(ready.body?.status, 'degraded');
    assert.equal(ready.body?.checks.store.status, 'unavailable');
    assert.ok(spendMs >= 0, 'the spend of the outage reached the spend table');
    assert.ok(eventsMs >= 0, 'the events of the outage reached the store');
  });
});
