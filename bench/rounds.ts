// A scenario measured in several rounds (--rounds), each side once per round, reported as one: rates,
// percentiles and per-request costs are the medians of the rounds, counts their sums. On a shared
// machine one 10-second window can run half again as slow as the next; the median of interleaved
// rounds is what the sides share.
import type { LoadResult } from './load.ts';
import type { Percentiles } from './samples.ts';

/** The median, NaN values left out (NaN when none is left). */
export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianPercentiles(list: Percentiles[]): Percentiles {
  return {
    count: list.reduce((sum, p) => sum + p.count, 0),
    p50: median(list.map((p) => p.p50)),
    p99: median(list.map((p) => p.p99)),
  };
}

const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);

/** One load result from the rounds of one side. */
export function combineLoads(rounds: LoadResult[]): LoadResult {
  if (rounds.length === 1) return rounds[0]!;
  const statuses: Record<string, Percentiles> = {};
  for (const status of new Set(rounds.flatMap((r) => Object.keys(r.statuses))))
    statuses[status] = medianPercentiles(rounds.flatMap((r) => r.statuses[status] ?? []));
  const combined: LoadResult = {
    seconds: sum(rounds.map((r) => r.seconds)),
    completed: sum(rounds.map((r) => r.completed)),
    rps: median(rounds.map((r) => r.rps)),
    latency: medianPercentiles(rounds.map((r) => r.latency)),
    statuses,
    non2xx: sum(rounds.map((r) => r.non2xx)),
    errors: sum(rounds.map((r) => r.errors)),
  };
  const firstBytes = rounds.flatMap((r) => r.firstByte ?? []);
  if (firstBytes.length > 0) combined.firstByte = medianPercentiles(firstBytes);
  return combined;
}

/** The order of the sides in round `index`: forwards, then backwards, so none is always first. */
export function roundOrder<T>(sides: readonly T[], index: number): T[] {
  return index % 2 === 0 ? [...sides] : [...sides].reverse();
}
