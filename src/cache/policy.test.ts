// Who decides what the cache does for a request: the model's mode over the cache block's, a key's
// rule over its team's (never turning on a model that is off), then the request's own headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/index.ts';
import type { CacheConfig, GatehouseConfig } from '../config/schema.ts';
import type { Principal } from '../governance/index.ts';
import { CachePolicy } from './policy.ts';

const config = (cache: Record<string, unknown>, models: Record<string, unknown> = {}) =>
  parseConfig(
    {
      providers: { mock: { type: 'mock' } },
      models: {
        plain: { targets: [{ provider: 'mock', model: 'm' }] },
        ...Object.fromEntries(
          Object.entries(models).map(([name, cache]) => [
            name,
            { targets: [{ provider: 'mock', model: 'm' }], cache },
          ]),
        ),
      },
      cache,
    },
    'test',
    {},
  ) as GatehouseConfig & { cache: CacheConfig };

const key = (cache?: Principal['cache'], region?: string): Principal => ({
  kind: 'key',
  keyId: 'k',
  teamId: 't',
  modelRules: [],
  limits: [],
  budgets: [],
  ...(cache ? { cache } : {}),
  ...(region ? { region } : {}),
});

test('defaults: exact, team scope, the exact TTL; a model may change its mode and TTL', () => {
  const policy = new CachePolicy(config({}, { long: { ttl: '7d' }, never: { mode: 'off' } }), () => false);
  assert.deepEqual(policy.plan('plain', undefined, key(), {}), {
    mode: 'exact',
    scope: 'team',
    ttlS: 3600,
    lookup: true,
  });
  assert.equal(policy.plan('long', undefined, key(), {})?.ttlS, 604_800);
  assert.equal(policy.plan('never', undefined, key(), {}), undefined);
});

test("a key's rule over its team's; a model that is off stays off", () => {
  const policy = new CachePolicy(
    config({ mode: 'off' }, { on: { mode: 'exact' }, never: { mode: 'off' } }),
    () => false,
  );
  assert.equal(policy.plan('plain', undefined, key(), {}), undefined, 'the block turns models off');
  assert.equal(policy.plan('on', undefined, key(), {})?.mode, 'exact');
  assert.equal(policy.plan('on', undefined, key({ mode: 'off' }), {}), undefined);
  assert.equal(policy.plan('never', undefined, key({ mode: 'exact' }), {}), undefined);
  const ruled = policy.plan('on', undefined, key({ ttl: 60, scope: 'key' }), {});
  assert.equal(ruled?.ttlS, 60);
  assert.equal(ruled?.scope, 'key');
});

test('semantic mode needs a semantic layer, else it is exact', () => {
  const raw = config({ semantic: { embedding_model: 'plain' } });
  assert.equal(new CachePolicy(raw, () => false).plan('plain', undefined, key(), {})?.mode, 'exact');
  assert.equal(new CachePolicy(raw, () => true).plan('plain', undefined, key(), {})?.mode, 'semantic');
});

test('the request: no-store bypasses, no-cache skips the lookup, a TTL header sets the TTL', () => {
  const policy = new CachePolicy(config({}), () => false);
  assert.equal(policy.plan('plain', undefined, key(), { 'cache-control': 'private, no-store' }), undefined);
  assert.equal(policy.plan('plain', undefined, key(), { 'cache-control': 'no-cache' })?.lookup, false);
  assert.equal(policy.plan('plain', undefined, key(), { 'x-gatehouse-cache-ttl': '10m' })?.ttlS, 600);
  assert.throws(
    () => policy.plan('plain', undefined, key(), { 'x-gatehouse-cache-ttl': '31d' }),
    /x-gatehouse-cache-ttl/,
  );
});

test('several choices, and a team pinned to a residency region, bypass the cache', () => {
  const policy = new CachePolicy(config({}), () => false);
  assert.equal(policy.plan('plain', 2, key(), {}), undefined);
  assert.notEqual(policy.plan('plain', 1, key(), {}), undefined);
  assert.equal(policy.plan('plain', undefined, key(undefined, 'eu'), {}), undefined);
});
