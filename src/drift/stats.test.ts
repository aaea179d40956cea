import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seeded } from '../../test/helpers/seeded.ts';
import {
  binnedCounts,
  countsOf,
  histogram,
  kolmogorovQ,
  ksTest,
  normalTail,
  psi,
  rateTest,
} from './stats.ts';

/** Log-normal token counts, as real prompt lengths are. */
const lengths = (random: () => number, n: number, median: number) =>
  Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.round(median * Math.exp(0.6 * z));
  });

test('the Kolmogorov distribution and the normal tail match their tables', () => {
  assert.ok(Math.abs(kolmogorovQ(1.358) - 0.05) < 0.001);
  assert.ok(Math.abs(kolmogorovQ(1.628) - 0.01) < 0.001);
  assert.equal(kolmogorovQ(0), 1);
  assert.ok(Math.abs(normalTail(1.96) - 0.025) < 0.0005);
  assert.ok(Math.abs(normalTail(2.576) - 0.005) < 0.0002);
});

test('KS: D is the largest gap between the distribution functions; identical samples give D 0', () => {
  assert.deepEqual(ksTest([1, 2, 3], [1, 2, 3]), { d: 0, p: 1 });
  assert.equal(ksTest([1, 2, 3, 4], [3, 4, 5, 6]).d, 0.5);
  assert.equal(ksTest([1, 1, 1], [2, 2, 2]).d, 1);
  // Ties step together: equal samples with repeats are not a gap.
  assert.equal(ksTest([1, 1, 2, 2], [1, 2]).d, 0);
});

test('PSI: 0 on equal mixes, above 0.2 on a real shift, finite when a category appears', () => {
  const base = countsOf(['stop', 'stop', 'stop', 'length']);
  assert.ok(psi(base, countsOf(['stop', 'stop', 'stop', 'length'])) < 1e-9);
  const shifted = psi(base, countsOf(['stop', 'length', 'length', 'length']));
  assert.ok(shifted > 0.2, `psi ${shifted}`);
  const appeared = psi(countsOf(['stop']), countsOf(['content_filter']));
  assert.ok(Number.isFinite(appeared) && appeared > 1);
});

test('rate test: a refusal rate from 2% to 10% over 500 requests each is significant; 2% to 2.4% is not', () => {
  assert.ok(rateTest(10, 500, 50, 500).p < 0.001);
  assert.ok(rateTest(10, 500, 12, 500).p > 0.1);
  assert.equal(rateTest(0, 100, 0, 100).p, 1);
});

test('false alarms on stable samples and detection of a shift, over 50 seeds', () => {
  let ksFalse = 0;
  let psiFalse = 0;
  let ksCaught = 0;
  let psiCaught = 0;
  const seeds = 50;
  for (let seed = 1; seed <= seeds; seed++) {
    const random = seeded(seed);
    const baseline = lengths(random, 2000, 120);
    const stable = lengths(random, 300, 120);
    const longer = lengths(random, 300, 180); // inputs 50% longer
    const ks = ksTest(baseline, stable);
    if (ks.p < 0.01 && ks.d > 0.1) ksFalse++;
    const k2 = ksTest(baseline, longer);
    if (k2.p < 0.01 && k2.d > 0.1) ksCaught++;
    const same = binnedCounts(baseline, stable);
    if (psi(same.baseline, same.recent) > 0.2) psiFalse++;
    const moved = binnedCounts(baseline, longer);
    if (psi(moved.baseline, moved.recent) > 0.2) psiCaught++;
  }
  // The drift tests' acceptance is a false-alarm rate ≤ 2% per metric at these volumes.
  assert.ok(ksFalse <= 1, `KS false alarms ${ksFalse}/${seeds}`);
  assert.ok(psiFalse <= 1, `PSI false alarms ${psiFalse}/${seeds}`);
  assert.equal(ksCaught, seeds);
  assert.equal(psiCaught, seeds);
  console.log(
    `# stats: KS false ${ksFalse}/${seeds}, PSI false ${psiFalse}/${seeds}, caught ${ksCaught}/${psiCaught}`,
  );
});

test('a histogram bins both windows alike, as shares of each, outliers in the outer bins', () => {
  const random = seeded(11);
  const base = [...lengths(random, 2000, 150), 1_000_000];
  const recent = lengths(random, 500, 300);
  const h = histogram(base, recent);
  assert.equal(h.edges.length, 13);
  assert.equal(h.baseline.length, 12);
  assert.equal(h.recent.length, 12);
  for (const shares of [h.baseline, h.recent]) {
    const total = shares.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 0.001, String(total));
  }
  // The outlier did not stretch the bins: they end near the pooled 99th percentile.
  assert.ok(h.edges.at(-1)! < 2000, String(h.edges.at(-1)));
  const centre = (shares: number[]) => shares.reduce((a, s, i) => a + s * i, 0);
  assert.ok(centre(h.recent) > centre(h.baseline));
  // One value repeated: a single bin holding everything.
  assert.deepEqual(histogram([5, 5, 5], [5, 5]), { edges: [5, 6], baseline: [1], recent: [1] });
});
