// The breaker's transitions, on a clock the test moves: closed → open after failures within the
// window, open refuses until the cooldown, half-open lets one probe through, success closes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Breaker } from './breaker.ts';

const settings = { threshold: 3, windowMs: 10_000, cooldownMs: 5_000 };

test('opens after threshold failures within the window, not when they are spread wider', () => {
  const spread = new Breaker();
  assert.equal(spread.failed(settings, 0), false);
  assert.equal(spread.failed(settings, 6_000), false);
  assert.equal(spread.failed(settings, 12_000), false, 'the first failure left the window');
  assert.equal(spread.phase, 'closed');
  assert.equal(spread.failed(settings, 13_000), true, 'three within 10 s: 6, 12, 13');
  assert.equal(spread.phase, 'open');
});

test('a success in between resets the count', () => {
  const b = new Breaker();
  b.failed(settings, 0);
  b.failed(settings, 1);
  b.succeeded();
  assert.equal(b.failed(settings, 2), false);
  assert.equal(b.phase, 'closed');
});

test('open refuses until the cooldown, then lets exactly one probe through', () => {
  const b = new Breaker();
  for (let t = 0; t < 3; t++) b.failed(settings, t);
  assert.equal(b.allow(100), false);
  assert.equal(b.allow(4_999), false);
  assert.equal(b.remainingMs(4_000), 1_002);
  assert.equal(b.available(5_002), true);
  assert.equal(b.allow(5_002), true, 'the probe');
  assert.equal(b.phase, 'half_open');
  assert.equal(b.allow(5_003), false, 'a second call while the probe is out');
  assert.equal(b.available(5_003), false);
  assert.equal(b.succeeded(), true);
  assert.equal(b.phase, 'closed');
  assert.equal(b.allow(5_004), true);
});

test('a failed probe opens the breaker for another cooldown', () => {
  const b = new Breaker();
  for (let t = 0; t < 3; t++) b.failed(settings, t);
  assert.equal(b.allow(6_000), true);
  assert.equal(b.failed(settings, 6_100), true);
  assert.equal(b.phase, 'open');
  assert.equal(b.allow(11_000), false);
  assert.equal(b.allow(11_100), true);
});

test('a probe that says nothing of health (the caller left) frees the slot; a lost one frees it after a cooldown', () => {
  const b = new Breaker();
  for (let t = 0; t < 3; t++) b.failed(settings, t);
  assert.equal(b.allow(6_000), true);
  b.released();
  assert.equal(b.allow(6_001), true, 'released: the next request probes');
  assert.equal(b.allow(6_002), false);
  assert.equal(b.allow(11_001), true, 'the probe never reported: another after a cooldown');
});
