import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketBounds, bucketCount, bucketOf, estimatePercentile } from './latency-histogram.ts';

/** A seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Log-normal durations around `median` ms (σ the spread of the log), as request latencies go. */
function logNormal(n: number, median: number, sigma: number, seed: number): number[] {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return Math.round(median * Math.exp(sigma * normal));
  });
}

const exact = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

function histogram(values: number[]): number[] {
  const counts = new Array(bucketCount).fill(0);
  for (const v of values) counts[bucketOf(v)]++;
  return counts;
}

test('every duration falls in the bucket whose bounds hold it', () => {
  assert.equal(bucketOf(0), 0);
  assert.equal(bucketOf(4.9), 0);
  assert.equal(bucketOf(5), 1);
  assert.equal(bucketOf(9.99), 1);
  assert.equal(bucketOf(10), 2);
  assert.equal(bucketOf(120_000), 15);
  assert.equal(bucketOf(163_840), 16);
  assert.equal(bucketOf(10_000_000), 16);
  for (let k = 1; k < bucketBounds.length; k++) {
    assert.equal(bucketOf(bucketBounds[k - 1]!), k);
    assert.equal(bucketOf(bucketBounds[k]! - 0.001), k);
  }
});

test('estimated percentiles stay close to the exact ones of the same data', () => {
  const cases = [
    { name: 'chat completions', values: logNormal(20_000, 1_200, 0.6, 1) },
    { name: 'wide spread', values: logNormal(20_000, 800, 1.2, 2) },
    { name: 'time to first token', values: logNormal(5_000, 300, 0.4, 3) },
    {
      name: 'cache hits and upstream calls',
      values: [...logNormal(3_000, 3, 0.3, 4), ...logNormal(7_000, 2_000, 0.5, 5)],
    },
    { name: 'few requests', values: logNormal(40, 900, 0.5, 6) },
  ];
  for (const { name, values } of cases) {
    const sorted = [...values].sort((a, b) => a - b);
    const counts = histogram(values);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const truth = exact(sorted, q);
      const estimate = estimatePercentile(counts, q)!;
      // Always in the exact value's bucket (the guarantee), and for data that spreads over several
      // buckets, as these do, within a quarter of it.
      const k = bucketOf(truth);
      const lo = k === 0 ? 0 : bucketBounds[k - 1]!;
      assert.ok(
        estimate >= Math.floor(lo) && estimate <= Math.ceil(bucketBounds[k]!),
        `${name} p${q * 100}: ${estimate} outside the bucket of ${truth}`,
      );
      const error = Math.abs(estimate - truth) / truth;
      assert.ok(
        error < 0.25,
        `${name} p${q * 100}: ${estimate} against ${truth} (${(error * 100).toFixed(1)}%)`,
      );
    }
  }
});

test('no values give no percentile; one value gives its bucket', () => {
  assert.equal(estimatePercentile(new Array(bucketCount).fill(0), 0.5), null);
  const one = new Array(bucketCount).fill(0);
  one[bucketOf(700)] = 1;
  const estimate = estimatePercentile(one, 0.95)!;
  assert.ok(estimate >= 640 && estimate < 1_280);
  const overflow = new Array(bucketCount).fill(0);
  overflow[bucketCount - 1] = 3;
  assert.equal(estimatePercentile(overflow, 0.5), bucketBounds.at(-1));
});
