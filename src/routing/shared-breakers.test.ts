// Breakers shared through the real Redis (the shared one: keys are those of targets named for this
// run only, never flushed). Two registries stand for two replicas.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { redisUrl } from '../../test/helpers/redis.ts';
import { until } from '../../test/helpers/until.ts';
import { SharedBreakers } from './shared-breakers.ts';
import { RoutingState } from './state.ts';

const url = await redisUrl();
const skip = url === undefined ? 'Redis is not reachable; skipping' : false;
const open: SharedBreakers[] = [];
after(async () => {
  for (const s of open) await s.close();
});

async function replicas() {
  const model = `m-${randomUUID()}`;
  const a = new RoutingState();
  const b = new RoutingState();
  const shared = [new SharedBreakers(url!, a, { syncMs: 50 }), new SharedBreakers(url!, b, { syncMs: 50 })];
  open.push(...shared);
  for (const s of shared) assert.equal(await s.ready(), true);
  return { a: a.target('p', model), b: b.target('p', model), ra: a, rb: b };
}

const settings = { threshold: 3, windowMs: 30_000, cooldownMs: 30_000 };

test('a breaker one replica opens is followed by the other within a few syncs', { skip }, async () => {
  const { a, b, ra } = await replicas();
  for (let i = 0; i < 3; i++) ra.failed(a, settings, performance.now());
  assert.equal(a.breaker.phase, 'open');
  assert.ok(await until(() => b.breaker.phase === 'open', 2_000, 20), 'b opened too');
  // It follows with what is left of the cooldown, not a fresh one.
  assert.ok(b.breaker.remainingMs(performance.now()) <= 30_000);
  assert.ok(b.breaker.remainingMs(performance.now()) > 25_000);
});

test('failures on two replicas add up to the threshold', { skip }, async () => {
  const { a, b, ra, rb } = await replicas();
  ra.failed(a, settings, performance.now());
  rb.failed(b, settings, performance.now());
  assert.equal(a.breaker.phase, 'closed');
  ra.failed(a, settings, performance.now());
  assert.ok(await until(() => a.breaker.phase === 'open' && b.breaker.phase === 'open', 2_000, 20));
});

test('a probe that succeeds on one replica closes the breaker on the other', { skip }, async () => {
  const { a, b, ra } = await replicas();
  for (let i = 0; i < 3; i++) ra.failed(a, settings, performance.now());
  assert.ok(await until(() => b.breaker.phase === 'open', 2_000, 20));
  // a's cooldown is over (as if 30 s had passed): its probe goes through and succeeds.
  assert.equal(a.breaker.allow(performance.now() + 31_000), true);
  ra.succeeded(a, 120, performance.now());
  assert.equal(a.breaker.phase, 'closed');
  assert.ok(await until(() => b.breaker.phase === 'closed', 2_000, 20), 'b closed too');
});
