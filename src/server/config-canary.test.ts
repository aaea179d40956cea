import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanaryConfig } from '../config/schema.ts';
import type { RequestRecord } from '../core/records/index.ts';
import { Trial } from './config-canary.ts';
import type { ConfigRuntime } from './config-runtime.ts';

const runtime = (version: string) => ({ version, trial: undefined }) as unknown as ConfigRuntime;
const settings: CanaryConfig = {
  enabled: true,
  percent: 30,
  sticky_by: 'request',
  window_s: 60,
  min_requests: 5,
  max_error_rate_increase: 0.01,
  max_p95_ratio: 1.2,
  max_cost_ratio: 1.1,
};

function record(version: string, fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: 'r',
    eventId: 'e',
    surface: 'openai',
    route: '/v1/chat/completions',
    receivedAt: 0,
    attempts: [],
    status: 200,
    model: 'chat',
    durationMs: 100,
    costUsd: 0.001,
    configVersion: version,
    ...fields,
  };
}

test('the slice is about the percent asked, and the same request id always lands on the same side', () => {
  const trial = new Trial(runtime('old'), runtime('new'), settings, 0);
  let onNew = 0;
  for (let i = 0; i < 10_000; i++) if (trial.pick(`req-${i}`, undefined).version === 'new') onNew++;
  assert.ok(onNew > 2_700 && onNew < 3_300, `${onNew} of 10000`);
  assert.equal(trial.pick('req-7', undefined), trial.pick('req-7', undefined));
  const byKey = new Trial(runtime('old'), runtime('new'), { ...settings, sticky_by: 'key' }, 0);
  const sides = new Set(Array.from({ length: 50 }, (_, i) => byKey.pick(`req-${i}`, 'key-1').version));
  assert.equal(sides.size, 1, 'one key, one version');
});

test('no verdict before the window has passed or before min_requests', () => {
  const trial = new Trial(runtime('old'), runtime('new'), settings, 0);
  for (let i = 0; i < 5; i++) trial.observe(record('new'));
  assert.equal(trial.verdict(59_000), undefined);
  const few = new Trial(runtime('old'), runtime('new'), settings, 0);
  few.observe(record('new'));
  assert.equal(few.verdict(61_000), undefined);
  assert.equal(trial.verdict(61_000)?.outcome, 'promote');
});

test('worse latency or cost rolls back; a caller error does not count against the version', () => {
  const slower = new Trial(runtime('old'), runtime('new'), settings, 0);
  for (let i = 0; i < 20; i++) {
    slower.observe(record('old'));
    slower.observe(record('new', { durationMs: 300 }));
  }
  const verdict = slower.verdict(61_000)!;
  assert.equal(verdict.outcome, 'roll_back');
  assert.match(verdict.reason, /p95 latency 300 ms against 100 ms/);
  const dearer = new Trial(runtime('old'), runtime('new'), settings, 0);
  for (let i = 0; i < 20; i++) {
    dearer.observe(record('old'));
    dearer.observe(record('new', { costUsd: 0.002 }));
  }
  assert.match(dearer.verdict(61_000)!.reason, /mean cost/);
  const callerErrors = new Trial(runtime('old'), runtime('new'), settings, 0);
  for (let i = 0; i < 20; i++) {
    callerErrors.observe(record('old'));
    callerErrors.observe(record('new', { status: 400, errorCode: 'GH_INVALID_REQUEST' }));
  }
  assert.equal(callerErrors.verdict(61_000)!.outcome, 'promote');
});
