// Experiments: the same caller keeps its variant; callers split by weight; shadow share.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Experiment } from './experiments.ts';
import { RequestFacts } from './facts.ts';

const experiment = (sticky_by = 'key') =>
  new Experiment('trial', {
    model: 'chat',
    sticky_by,
    variants: { control: { model: 'chat-a', weight: 90 }, candidate: { model: 'chat-b', weight: 10 } },
    shadow: { model: 'chat-c', percent: 5 },
  });

const facts = (caller: { keyId?: string; userId?: string }, headers: Record<string, string> = {}) =>
  new RequestFacts({ caller, headers });

test('sticky by key: a key keeps its variant on every call, and keys split 90/10', () => {
  const e = experiment();
  const counts = { control: 0, candidate: 0 };
  for (let i = 0; i < 5000; i++) {
    const key = `key_${i}`;
    const first = e.assign(facts({ keyId: key })).name;
    for (let j = 0; j < 3; j++) assert.equal(e.assign(facts({ keyId: key })).name, first);
    counts[first as 'control' | 'candidate']++;
  }
  // σ = sqrt(.1 × .9 / 5000) ≈ 0.0042
  assert.ok(Math.abs(counts.candidate / 5000 - 0.1) < 0.025, `candidate: ${counts.candidate}`);
});

test('the same key lands in the same variant in another process (a fresh experiment object)', () => {
  const picks = ['alpha', 'beta', 'gamma', 'delta'].map((k) => experiment().assign(facts({ keyId: k })).name);
  const again = ['alpha', 'beta', 'gamma', 'delta'].map((k) => experiment().assign(facts({ keyId: k })).name);
  assert.deepEqual(picks, again);
});

test('sticky by user and by header; without the value, assignment is per request', () => {
  const byUser = experiment('user');
  const u = byUser.assign(facts({ userId: 'u1', keyId: 'k1' })).name;
  for (let i = 0; i < 20; i++) assert.equal(byUser.assign(facts({ userId: 'u1', keyId: `k${i}` })).name, u);
  const byHeader = experiment('header:X-Session');
  const h = byHeader.assign(facts({}, { 'x-session': 's-42' })).name;
  for (let i = 0; i < 20; i++)
    assert.equal(byHeader.assign(facts({ keyId: `k${i}` }, { 'x-session': 's-42' })).name, h);
  // No user: the draw decides.
  assert.equal(byUser.assign(facts({}), () => 0.95).name, 'candidate');
  assert.equal(byUser.assign(facts({}), () => 0.5).name, 'control');
});

test('a canary at 1 % gets about 1 % of callers', () => {
  const e = new Experiment('canary', {
    model: 'chat',
    sticky_by: 'key',
    variants: { stable: { model: 'a', weight: 99 }, canary: { model: 'b', weight: 1 } },
  });
  let canary = 0;
  for (let i = 0; i < 20_000; i++) if (e.assign(facts({ keyId: `k-${i}` })).name === 'canary') canary++;
  // σ ≈ 0.0007
  assert.ok(Math.abs(canary / 20_000 - 0.01) < 0.004, `canary share: ${canary / 20_000}`);
});

test('shadow mirrors its percent of requests', () => {
  const e = experiment();
  let mirrored = 0;
  for (let i = 0; i < 10_000; i++) if (e.mirrors()) mirrored++;
  assert.ok(Math.abs(mirrored / 10_000 - 0.05) < 0.012, `mirrored: ${mirrored}`);
});
