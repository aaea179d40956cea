// The harness's --rounds: a side measured several times is reported as the median of its rounds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadResult } from '../../bench/load.ts';
import { combineLoads, median, roundOrder } from '../../bench/rounds.ts';

const load = (rps: number, p50: number, p99: number, errors = 0): LoadResult => ({
  seconds: 10,
  completed: rps * 10,
  rps,
  latency: { count: rps * 10, p50, p99 },
  statuses: { '200': { count: rps * 10, p50, p99 } },
  non2xx: 0,
  errors,
});

test('median: the middle value, the mean of the middle two, NaN left out', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([Number.NaN, 5, 1]), 3);
  assert.ok(Number.isNaN(median([Number.NaN])));
});

test('rounds combine to medians of rates and percentiles, sums of counts', () => {
  const combined = combineLoads([load(1000, 1, 9), load(3000, 3, 7, 2), load(2000, 2, 8)]);
  assert.equal(combined.rps, 2000);
  assert.deepEqual(combined.latency, { count: 60_000, p50: 2, p99: 8 });
  assert.deepEqual(combined.statuses['200'], { count: 60_000, p50: 2, p99: 8 });
  assert.equal(combined.completed, 60_000);
  assert.equal(combined.seconds, 30);
  assert.equal(combined.errors, 2, 'an error in any round stays visible');
  assert.equal(combined.firstByte, undefined);
});

test('one round is reported as it was', () => {
  const only = load(1000, 1, 2);
  assert.equal(combineLoads([only]), only);
});

test('first byte combines like latency; sides alternate their order from round to round', () => {
  const withFirstByte = (p50: number) => ({
    ...load(100, 1, 2),
    firstByte: { count: 30, p50, p99: p50 * 2 },
  });
  const combined = combineLoads([withFirstByte(0.3), withFirstByte(0.1), withFirstByte(0.2)]);
  assert.deepEqual(combined.firstByte, { count: 90, p50: 0.2, p99: 0.4 });
  assert.deepEqual(roundOrder(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  assert.deepEqual(roundOrder(['a', 'b', 'c'], 1), ['c', 'b', 'a']);
});
