// One comparison: a recent window's samples against a baseline window's, metric by metric. Each
// metric is decided by its standard test (KS for continuous values, PSI for mixes, a z-test and a
// minimum change for rates) and carries both windows' summaries, so that what moved can be named
// and drawn.
import type { Sample } from './features.ts';
import { countsOf, type Histogram, histogram, ksTest, mean, psi, quantile, rateTest } from './stats.ts';

export interface Thresholds {
  /** PSI above this is a shift of a mix (finish reasons, outcomes, languages). */
  psi: number;
  /** KS: both p below ks_p and D above ks_d (significant and large enough to matter). */
  ks_p: number;
  ks_d: number;
  /** Rates: p below rate_p and an absolute change of at least rate_delta. */
  rate_p: number;
  rate_delta: number;
}

// p below 0.001 rather than the textbook 0.01: a group is checked on about ten metrics every
// interval, and at 0.01 one of them would cry wolf every few checks on perfectly stable traffic.
export const defaultThresholds: Thresholds = {
  psi: 0.2,
  ks_p: 0.001,
  ks_d: 0.1,
  rate_p: 0.001,
  rate_delta: 0.03,
};

export type WindowSummary =
  | { n: number; mean: number; p10: number; p25: number; p50: number; p75: number; p90: number }
  | { n: number; shares: Record<string, number> }
  | { n: number; rate: number };

export interface MetricResult {
  metric: string;
  test: 'ks' | 'psi' | 'rate';
  drifted: boolean;
  /** D for KS, the index for PSI, the absolute change for rates. */
  statistic: number;
  p?: number;
  /** Cosine distance between the windows' centroids (topic only). */
  centroidDistance?: number;
  baseline: WindowSummary;
  recent: WindowSummary;
  /** Continuous metrics: both windows over the same bins, to draw them side by side. */
  bins?: Histogram;
  /** What the statistic (and p) is held against: above `statistic` (and below `p`) drifts. */
  threshold: { statistic: number; p?: number };
  /** Why there is no verdict (too few samples, no stored text). */
  skipped?: string;
}

/** The thresholds a test's verdict is held against; a rate's is its absolute change. */
export function thresholdOf(test: MetricResult['test'], t: Thresholds): MetricResult['threshold'] {
  if (test === 'ks') return { statistic: t.ks_d, p: t.ks_p };
  if (test === 'psi') return { statistic: t.psi };
  return { statistic: t.rate_delta, p: t.rate_p };
}

/** A named score of one answer (feedback or an evaluator). */
export interface ScoreSample {
  name: string;
  value: number;
}

export type Embed = (texts: string[]) => Promise<number[][]>;

export interface CompareInput {
  baseline: Sample[];
  recent: Sample[];
  baselineScores?: ScoreSample[];
  recentScores?: ScoreSample[];
  thresholds: Thresholds;
  minSamples: number;
  /** Embeds input texts for the topic metric; without it the topic is skipped. */
  embed?: Embed;
  /** At most this many texts per window are embedded. */
  maxEmbedded?: number;
}

export async function compareWindows(input: CompareInput): Promise<MetricResult[]> {
  const { baseline, recent, thresholds: t, minSamples } = input;
  const pick = <T>(of: (s: Sample) => T | undefined) => [values(baseline, of), values(recent, of)] as const;
  const results: Judged[] = [
    continuous('input_tokens', ...pick((s) => s.inputTokens), t, minSamples),
    continuous('output_tokens', ...pick((s) => s.outputTokens), t, minSamples),
    continuous('latency_ms', ...pick((s) => s.latencyMs), t, minSamples),
    mix('finish_reason', ...pick((s) => s.finishReason), t, minSamples),
    mix('outcome', ...pick((s) => s.outcome), t, minSamples),
    rate('error_rate', ...pick((s) => s.outcome !== 'ok'), t, minSamples),
    rate('refusal_rate', ...pick((s) => s.refusal), t, minSamples),
    rate('tool_call_rate', ...pick((s) => s.toolCall), t, minSamples),
  ];
  const [baseLang, recentLang] = pick((s) => s.language);
  results.push(
    baseLang.length < minSamples || recentLang.length < minSamples
      ? skip(
          'language',
          'psi',
          baseLang.length,
          recentLang.length,
          noText(baseLang.length, recentLang.length),
        )
      : mix('language', baseLang, recentLang, t, minSamples),
  );
  results.push(await topic(input));
  for (const name of new Set((input.baselineScores ?? []).map((s) => s.name))) {
    const of = (list: ScoreSample[] | undefined) =>
      (list ?? []).filter((s) => s.name === name).map((s) => s.value);
    results.push(
      continuous(`score:${name}`, of(input.baselineScores), of(input.recentScores), t, minSamples),
    );
  }
  return results.map((r) => ({ ...r, threshold: thresholdOf(r.test, t) }));
}

/** A metric's verdict before the thresholds it was held against are noted on it. */
type Judged = Omit<MetricResult, 'threshold'>;

function values<T>(samples: Sample[], of: (s: Sample) => T | undefined): T[] {
  const out: T[] = [];
  for (const s of samples) {
    const v = of(s);
    if (v !== undefined) out.push(v);
  }
  return out;
}

const noText = (b: number, r: number) =>
  b + r === 0
    ? 'no input text in the request log (logging.bodies is not full)'
    : `too few samples with text (${b} baseline, ${r} recent)`;

function skip(metric: string, test: MetricResult['test'], b: number, r: number, why: string): Judged {
  return {
    metric,
    test,
    drifted: false,
    statistic: 0,
    baseline: { n: b, rate: 0 },
    recent: { n: r, rate: 0 },
    skipped: why,
  };
}

const tooFew = (b: number, r: number, min: number) =>
  `too few samples (${b} baseline, ${r} recent; ${min} needed)`;

export function summary(values: readonly number[]): WindowSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => round(quantile(sorted, p));
  return {
    n: values.length,
    mean: round(mean(values)),
    p10: q(0.1),
    p25: q(0.25),
    p50: q(0.5),
    p75: q(0.75),
    p90: q(0.9),
  };
}

function continuous(metric: string, b: number[], r: number[], t: Thresholds, min: number): Judged {
  const drawn = b.length && r.length ? { bins: histogram(b, r) } : {};
  if (b.length < min || r.length < min)
    return {
      ...skip(metric, 'ks', b.length, r.length, tooFew(b.length, r.length, min)),
      baseline: summary(b),
      recent: summary(r),
      ...drawn,
    };
  const { d, p } = ksTest(b, r);
  return {
    metric,
    test: 'ks',
    drifted: p < t.ks_p && d > t.ks_d,
    statistic: round(d),
    p,
    baseline: summary(b),
    recent: summary(r),
    ...drawn,
  };
}

function shares(values: string[]): WindowSummary {
  const counts = countsOf(values);
  const out: Record<string, number> = {};
  for (const [key, n] of counts) out[key] = round(n / values.length);
  return { n: values.length, shares: out };
}

function mix(metric: string, b: string[], r: string[], t: Thresholds, min: number): Judged {
  const base = { metric, test: 'psi' as const, baseline: shares(b), recent: shares(r) };
  if (b.length < min || r.length < min)
    return { ...base, drifted: false, statistic: 0, skipped: tooFew(b.length, r.length, min) };
  const index = psi(countsOf(b), countsOf(r));
  return { ...base, drifted: index > t.psi, statistic: round(index) };
}

function rate(metric: string, b: boolean[], r: boolean[], t: Thresholds, min: number): Judged {
  const hits = (list: boolean[]) => list.filter(Boolean).length;
  const test = rateTest(hits(b), b.length, hits(r), r.length);
  const base = {
    metric,
    test: 'rate' as const,
    baseline: { n: b.length, rate: round(test.baseline) },
    recent: { n: r.length, rate: round(test.recent) },
  };
  if (b.length < min || r.length < min)
    return { ...base, drifted: false, statistic: 0, skipped: tooFew(b.length, r.length, min) };
  const change = test.recent - test.baseline;
  return {
    ...base,
    drifted: test.p < t.rate_p && Math.abs(change) >= t.rate_delta,
    statistic: round(change),
    p: test.p,
  };
}

/**
 * The topic of inputs: how similar each input is to the baseline's centroid; a new topic shows as recent inputs far from the centroid (KS on the
 * similarities). The distance between the two centroids says how far the mix moved.
 */
async function topic(input: CompareInput): Promise<Judged> {
  const cap = input.maxEmbedded ?? 500;
  const b = values(input.baseline, (s) => s.text).slice(0, cap);
  const r = values(input.recent, (s) => s.text).slice(0, cap);
  const min = input.minSamples;
  if (b.length < min || r.length < min)
    return skip('topic', 'ks', b.length, r.length, noText(b.length, r.length));
  if (!input.embed) return skip('topic', 'ks', b.length, r.length, 'no embedder configured');
  const [bv, rv] = [await input.embed(b), await input.embed(r)];
  // Alternate baseline inputs build the centroid; the others are measured against it like the
  // recent ones, so that neither side is flattered by its own (or a duplicate's) contribution.
  const centroid = sumOf(bv.filter((_, i) => i % 2 === 0));
  const baseSims = bv.filter((_, i) => i % 2 === 1).map((v) => cosine(v, centroid));
  const recentSims = rv.map((v) => cosine(v, centroid));
  const result = continuous('topic', baseSims, recentSims, input.thresholds, Math.min(min, baseSims.length));
  return { ...result, centroidDistance: round(1 - cosine(sumOf(bv), sumOf(rv))) };
}

function sumOf(vectors: number[][]): number[] {
  const out = new Array<number>(vectors[0]?.length ?? 0).fill(0);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i]! += v[i] ?? 0;
  return out;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * (b[i] ?? 0);
    na += a[i]! * a[i]!;
    nb += (b[i] ?? 0) * (b[i] ?? 0);
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
