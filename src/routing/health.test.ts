// Active health checks: a failing check counts toward the breaker, a passing one closes it, a refused
// check (a 400) says nothing; the checks follow the latest configuration's list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError } from '../core/errors/index.ts';
import type { Provider } from '../providers/types.ts';
import { HealthChecks, healthChecksOf } from './health.ts';
import { RoutingState } from './state.ts';
import { defaultTimeouts, type Target } from './targets.ts';

function target(
  outcomes: Array<'ok' | 'fail' | 'refuse'>,
  state = new RoutingState(),
): Target & { asked: string[] } {
  const asked: string[] = [];
  const provider = {
    async complete(req: { maxTokens?: number }, model: string) {
      asked.push(`${model}:${req.maxTokens}`);
      const next = outcomes.shift() ?? 'ok';
      if (next === 'fail') throw new GatehouseError('GH_UPSTREAM_ERROR', 'down');
      if (next === 'refuse') throw new GatehouseError('GH_UPSTREAM_REJECTED', 'no');
      return {};
    },
  } as unknown as Provider;
  return {
    providerName: 'p',
    providerType: 'mock',
    provider,
    model: 'm',
    retries: 0,
    timeouts: defaultTimeouts,
    weight: 1,
    state: state.target('p', 'm'),
    breaker: { threshold: 2, windowMs: 60_000, cooldownMs: 60_000 },
    health: { intervalMs: 1000, timeoutMs: 1000 },
    asked,
  };
}

test('failing checks open the breaker; a passing check closes it without a caller being the probe', async () => {
  const t = target(['fail', 'fail', 'ok']);
  const checks = new HealthChecks();
  const settings = t.health!;
  assert.equal((await checks.check(t, settings)).ok, false);
  await checks.check(t, settings);
  assert.equal(t.state.breaker.phase, 'open');
  const passed = await checks.check(t, settings);
  assert.equal(passed.ok, true);
  assert.equal(t.state.breaker.phase, 'closed');
  assert.deepEqual(t.asked, ['m:1', 'm:1', 'm:1'], 'one-token requests');
  assert.equal(t.state.ewmaMs, undefined, 'checks are not latency samples');
  assert.equal(checks.results.get(t.state)?.ok, true);
});

test('a check the upstream refuses as a bad request does not count against the target', async () => {
  const t = target(['refuse', 'refuse', 'refuse']);
  const checks = new HealthChecks();
  for (let i = 0; i < 3; i++) await checks.check(t, t.health!);
  assert.equal(t.state.breaker.phase, 'closed');
  assert.equal(checks.results.get(t.state)?.errorCode, 'GH_UPSTREAM_REJECTED');
});

test('watching runs checks on their interval, and an empty list stops them', async () => {
  const state = new RoutingState();
  const t = target([], state);
  const checks = healthChecksOf(state);
  assert.equal(healthChecksOf(state), checks, 'one per routing state');
  checks.watch([{ target: t, settings: { intervalMs: 100, timeoutMs: 1000 } }]);
  await new Promise((r) => setTimeout(r, 700));
  const seen = t.asked.length;
  assert.ok(seen >= 2 && seen <= 8, `${seen} checks in 700 ms at 100 ms`);
  checks.watch([]);
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(t.asked.length <= seen + 1, 'stopped');
  state.close();
});
