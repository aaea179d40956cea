// Latency and time-to-first-token histograms kept in the usage rollups. Percentiles cannot be summed,
// but bucket counts can: each rollup row holds how many successful requests fell in each of a fixed
// set of log-scale buckets, and a report estimates its percentiles from the summed counts.
import type { HistogramColumn, UsageHistograms } from '../store/schema.ts';

/**
 * Upper bounds of the buckets, in ms: 5, 10, 20, … 163 840 (each twice the last). Bucket 0 holds
 * [0, 5), bucket k holds [bound[k-1], bound[k]), and the last bucket everything from 163 840 on.
 */
export const bucketBounds: readonly number[] = Array.from({ length: 16 }, (_, k) => 5 * 2 ** k);
export const bucketCount = bucketBounds.length + 1;

const range = Array.from({ length: bucketCount }, (_, i) => i);
export const latencyColumns = range.map((i) => `latency_${i}` as HistogramColumn);
export const ttftColumns = range.map((i) => `ttft_${i}` as HistogramColumn);
export const histogramColumns: readonly HistogramColumn[] = [...latencyColumns, ...ttftColumns];

export function emptyHistograms(): UsageHistograms {
  return Object.fromEntries(histogramColumns.map((c) => [c, 0])) as UsageHistograms;
}

/** The bucket a duration falls in. */
export function bucketOf(ms: number): number {
  if (!(ms >= bucketBounds[0]!)) return 0;
  // 5·2^(k-1) ≤ ms < 5·2^k ⇔ k = floor(log2(ms / 5)) + 1; the loop corrects float rounding at edges.
  let k = Math.min(bucketCount - 1, Math.floor(Math.log2(ms / bucketBounds[0]!)) + 1);
  while (k > 0 && ms < bucketBounds[k - 1]!) k--;
  while (k < bucketCount - 1 && ms >= bucketBounds[k]!) k++;
  return k;
}

/**
 * The q-quantile (0 < q ≤ 1) of the values counted, in whole ms, or null without any. The rank is the
 * nearest rank (as exact percentiles of the request events use); within its bucket the value is
 * interpolated on the log scale, as if the bucket's values were evenly spread there, so the answer
 * always lies in the bucket of the exact value: at most a factor 2 off, and much closer when the
 * values spread over several buckets. Values past the last bound answer that bound.
 */
export function estimatePercentile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let before = 0;
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k]!;
    if (before + n < rank) {
      before += n;
      continue;
    }
    if (k === counts.length - 1) return bucketBounds[bucketBounds.length - 1]!;
    // The rank-th value of the n in this bucket sits at the middle of its share of the bucket.
    const t = position((rank - before - 0.5) / n, counts[k - 1] ?? n, n, counts[k + 1] ?? n);
    const hi = bucketBounds[k]!;
    const value = k === 0 ? hi * t : (hi / 2) * 2 ** t;
    return Math.round(value);
  }
  return null;
}

/**
 * Where in a bucket (0…1, on its log scale) a share f of its values lies, if their density runs
 * straight from the mean of this and the previous bucket's to that of this and the next one's.
 * Evenly spread values are the flat case; the tails of a distribution, where counts fall bucket
 * after bucket, crowd towards the side of the bigger neighbour, which a flat spread would miss.
 */
function position(f: number, previous: number, count: number, next: number): number {
  const left = (previous + count) / 2;
  const right = (count + next) / 2;
  // Density a at 0 and b at 1, scaled so the bucket holds 1: a + b = 2, F(t) = a·t + (b − a)·t²/2.
  const a = (2 * left) / (left + right);
  const slope = 2 - 2 * a;
  if (Math.abs(slope) < 1e-9) return f;
  return (-a + Math.sqrt(a * a + 2 * slope * f)) / slope;
}

/** p50 and p95 of total latency and of time to first token from summed histogram columns. */
export function latencyPercentiles(row: Partial<Record<HistogramColumn, number | string | null>>) {
  const latency = latencyColumns.map((c) => Number(row[c] ?? 0));
  const ttft = ttftColumns.map((c) => Number(row[c] ?? 0));
  return {
    latency_p50_ms: estimatePercentile(latency, 0.5),
    latency_p95_ms: estimatePercentile(latency, 0.95),
    ttft_p50_ms: estimatePercentile(ttft, 0.5),
    ttft_p95_ms: estimatePercentile(ttft, 0.95),
  };
}
