// The statistics drift detection decides with: the population stability index (PSI) for categories
// and binned values, the two-sample Kolmogorov–Smirnov test for continuous values, and a
// two-proportion z-test for rates. Small and pure; the thresholds that use them are in
// docs/drift.md.

/**
 * Added to every category's count (Jeffreys smoothing) so that one seen in only one window has a
 * finite PSI term — and a small one when the window is small: a fixed floor on the share instead
 * (1e-4) made a rare category that merely did not occur in 60 recent requests (3.5 % → 0 %) read
 * as a shift (PSI 0.20).
 */
const PSEUDOCOUNT = 0.5;

/**
 * PSI = Σ (recentShare − baselineShare) · ln(recentShare / baselineShare) over the union of
 * categories, each share smoothed by PSEUDOCOUNT. 0 for identical mixes; the common reading is
 * < 0.1 stable, 0.1–0.2 moderate, > 0.2 a shift.
 */
export function psi(baseline: ReadonlyMap<string, number>, recent: ReadonlyMap<string, number>): number {
  const baseTotal = sum(baseline.values());
  const recentTotal = sum(recent.values());
  if (baseTotal === 0 || recentTotal === 0) return 0;
  const keys = new Set([...baseline.keys(), ...recent.keys()]);
  const share = (count: number, total: number) => (count + PSEUDOCOUNT) / (total + PSEUDOCOUNT * keys.size);
  let total = 0;
  for (const key of keys) {
    const e = share(baseline.get(key) ?? 0, baseTotal);
    const a = share(recent.get(key) ?? 0, recentTotal);
    total += (a - e) * Math.log(a / e);
  }
  return total;
}

/** Counts per category. */
export function countsOf(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/**
 * Both samples binned at the baseline's quantiles (up to `bins` bins; fewer when values repeat), so
 * that PSI can be read on continuous values too.
 */
export function binnedCounts(
  baseline: readonly number[],
  recent: readonly number[],
  bins = 10,
): { baseline: Map<string, number>; recent: Map<string, number> } {
  const sorted = [...baseline].sort((a, b) => a - b);
  const edges = [...new Set(Array.from({ length: bins - 1 }, (_, i) => quantile(sorted, (i + 1) / bins)))];
  const bin = (x: number) => {
    let i = 0;
    while (i < edges.length && x > edges[i]!) i++;
    return String(i);
  };
  return { baseline: countsOf(baseline.map(bin)), recent: countsOf(recent.map(bin)) };
}

export interface KsResult {
  /** The largest gap between the two empirical distribution functions, 0..1. */
  d: number;
  /** Asymptotic p-value (Kolmogorov distribution, Stephens' small-sample correction). */
  p: number;
}

/** Two-sample Kolmogorov–Smirnov test. Ties are handled by stepping over equal values together. */
export function ksTest(a: readonly number[], b: readonly number[]): KsResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { d: 0, p: 1 };
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const value = Math.min(x[i]!, y[j]!);
    while (i < n && x[i] === value) i++;
    while (j < m && y[j] === value) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { d, p: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}

/** P(K > λ) for the Kolmogorov distribution: 2 Σ (−1)^(k−1) e^(−2k²λ²). */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let total = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    total += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, total));
}

export interface RateTest {
  baseline: number;
  recent: number;
  /** Two-sided p-value of the pooled two-proportion z-test. */
  p: number;
}

/** Whether `recentHits / recentN` differs from `baseHits / baseN` beyond chance. */
export function rateTest(baseHits: number, baseN: number, recentHits: number, recentN: number): RateTest {
  const baseline = baseN ? baseHits / baseN : 0;
  const recent = recentN ? recentHits / recentN : 0;
  const pooled = baseN + recentN ? (baseHits + recentHits) / (baseN + recentN) : 0;
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / Math.max(baseN, 1) + 1 / Math.max(recentN, 1)));
  if (se === 0) return { baseline, recent, p: baseline === recent ? 1 : 0 };
  return { baseline, recent, p: 2 * normalTail(Math.abs(recent - baseline) / se) };
}

/** P(Z > z) for a standard normal (Abramowitz–Stegun 7.1.26 on erfc; error < 1.5e-7). */
export function normalTail(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return (poly * Math.exp(-x * x)) / 2;
}

/** Linear-interpolated quantile of a sorted array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

export function mean(values: readonly number[]): number {
  return values.length ? sum(values) / values.length : 0;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Both windows over the same bins, as shares of each window: what a chart draws side by side. */
export interface Histogram {
  /** bins + 1 edges; the first bin also holds values below edges[0], the last those above the end. */
  edges: number[];
  baseline: number[];
  recent: number[];
}

/**
 * Equal-width bins over the pooled 1st to 99th percentile, so that one outlier does not squeeze
 * every other value into one bar.
 */
export function histogram(baseline: readonly number[], recent: readonly number[], bins = 12): Histogram {
  const pooled = [...baseline, ...recent].sort((a, b) => a - b);
  const lo = quantile(pooled, 0.01);
  const hi = quantile(pooled, 0.99);
  const n = hi > lo ? bins : 1;
  const width = (hi - lo) / n || 1;
  const edges = Array.from({ length: n + 1 }, (_, i) => round4(lo + i * width));
  const shares = (values: readonly number[]) => {
    const counts = new Array<number>(n).fill(0);
    for (const v of values) counts[Math.min(n - 1, Math.max(0, Math.floor((v - lo) / width)))]! += 1;
    return counts.map((c) => (values.length ? round4(c / values.length) : 0));
  };
  return { edges, baseline: shares(baseline), recent: shares(recent) };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
