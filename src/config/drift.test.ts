import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './load.ts';

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

const cases: Array<[string, unknown, RegExp]> = [
  ['a window that is no duration', { window: 'an hour' }, /^drift\.window: seconds, or a duration/],
  ['an interval below 10 s', { interval_s: 1 }, /^drift\.interval_s: /],
  ['a KS p-value of 2', { thresholds: { ks_p: 2 } }, /^drift\.thresholds\.ks_p: /],
  ['an unknown threshold', { thresholds: { psy: 0.2 } }, /^drift\.thresholds: .*psy/],
  ['a demotion error rate of 1.5', { demote: { max_error_rate: 1.5 } }, /^drift\.demote\.max_error_rate: /],
];

for (const [name, drift, expected] of cases)
  test(`drift config: ${name} is refused with its path`, () => {
    const found = problems({ drift });
    assert.ok(
      found.some((p) => expected.test(p)),
      found.join('\n'),
    );
  });

test('drift config: durations are read as seconds, defaults filled in', () => {
  const config = parseConfig({ drift: { window: '30m', baseline: '2d' } }, 'test', {});
  assert.equal(config.drift?.window, 1800);
  assert.equal(config.drift?.baseline, 172_800);
  assert.equal(config.drift?.thresholds.psi, 0.2);
  assert.equal(config.drift?.demote.enabled, false);
});
