// The cache's configuration: durations in either form, and every bad value refused with its path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ttlSeconds } from '../config/cache.ts';
import { ConfigError, parseConfig } from '../config/index.ts';

const base = {
  providers: { mock: { type: 'mock' } },
  models: { fast: { targets: [{ provider: 'mock', model: 'mock-fast' }] } },
};

const problems = (raw: Record<string, unknown>): string[] => {
  try {
    parseConfig(raw, 'test');
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
};

test('a TTL is seconds or a duration with a unit', () => {
  assert.equal(ttlSeconds(90), 90);
  assert.equal(ttlSeconds('90'), 90);
  assert.equal(ttlSeconds('10m'), 600);
  assert.equal(ttlSeconds('1h'), 3600);
  assert.equal(ttlSeconds('7d'), 604_800);
  for (const bad of [0, -1, 1.5, '', '1w', 'soon', '0s', '10 m'])
    assert.equal(ttlSeconds(bad), undefined, JSON.stringify(bad));
});

test('no cache block: off; an empty one: exact with the defaults', () => {
  assert.equal(parseConfig(base, 'test').cache, undefined);
  const on = parseConfig({ ...base, cache: {} }, 'test').cache!;
  assert.equal(on.scope, 'team');
  assert.equal(on.exact.ttl, 3600);
  assert.equal(on.mode, undefined);
});

test('bad cache values are refused with their path', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ cache: { exact: { ttl: '1 week' } } }, /^cache\.exact\.ttl: .*90s, 10m, 1h, 7d/],
    [{ cache: { exact: { ttl: '31d' } } }, /^cache\.exact\.ttl: /],
    [{ cache: { scope: 'org' } }, /^cache\.scope: /],
    [{ cache: { mode: 'fuzzy' } }, /^cache\.mode: /],
    [{ cache: { exact: { max_entries: 0 } } }, /^cache\.exact\.max_entries: /],
    [{ cache: { semantic: { threshold: 0.9 } } }, /^cache\.semantic\.embedding_model: /],
    [{ cache: { semantic: { embedding_model: 'fast', threshold: 1.5 } } }, /^cache\.semantic\.threshold: /],
    [
      { cache: { semantic: { embedding_model: 'nowhere' } } },
      /^cache\.semantic\.embedding_model: unknown model "nowhere"/,
    ],
    [{ cache: { colour: 'blue' } }, /^cache: .*colour/],
    [
      { models: { fast: { targets: [{ provider: 'mock', model: 'm' }], cache: { mode: 'sometimes' } } } },
      /^models\.fast\.cache\.mode: /,
    ],
  ];
  for (const [change, expected] of cases) {
    const found = problems({ ...base, ...change });
    assert.ok(
      found.some((p) => expected.test(p)),
      `${JSON.stringify(change)}: ${found.join(' | ') || 'accepted'}`,
    );
  }
});
