import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './load.ts';

const problemsOf = (reload: unknown): string[] => {
  try {
    parseConfig({ reload }, 'test', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

test('reload defaults: the file, watched, no canary', () => {
  const { reload } = parseConfig({}, 'test', {});
  assert.equal(reload.source, 'file');
  assert.equal(reload.watch, true);
  assert.equal(reload.canary.enabled, false);
});

test('bad reload settings are named by their path', () => {
  assert.match(problemsOf({ source: 'redis' })[0]!, /^reload\.source: /);
  assert.match(problemsOf({ poll_s: 10 })[0]!, /^reload\.poll_s: /);
  assert.match(problemsOf({ canary: { percent: 0 } })[0]!, /^reload\.canary\.percent: /);
  assert.match(problemsOf({ canary: { sticky_by: 'user' } })[0]!, /^reload\.canary\.sticky_by: /);
  assert.match(problemsOf({ canary: { max_p95_ratio: 0.5 } })[0]!, /^reload\.canary\.max_p95_ratio: /);
  assert.match(problemsOf({ canary: { window: 5 } })[0]!, /reload\.canary.*window/);
});
