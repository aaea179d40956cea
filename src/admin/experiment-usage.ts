// GET /admin/usage?by=experiment,variant: an experiment's variants side by side — requests, errors,
// latency percentiles, tokens and cost. Percentiles cannot be summed, so unlike the rest of the
// usage report this reads the request events themselves (through their experiment index), only
// those an experiment routed, in the time range asked.
import { type Kysely, sql } from 'kysely';
import type { Schema, UsageSums } from '../store/schema.ts';
import { addUsage, emptySums } from '../telemetry/index.ts';

export interface ExperimentRow extends UsageSums {
  period?: string;
  experiment: string | null;
  variant?: string | null;
  cache_hit_rate: number | null;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
  /** Shadow calls only: how many answered differently from the primary. */
  differed: number;
}

interface Group {
  row: ExperimentRow;
  latencies: number[];
}

/** Rows per period (or none) × experiment (× variant), ordered by period, experiment, variant. */
export async function experimentUsage(
  db: Kysely<Schema>,
  q: { since: number; until: number; bucketMs: number | undefined; byVariant: boolean; experiment?: string },
  label: (bucket: number) => string,
): Promise<ExperimentRow[]> {
  let select = db
    .selectFrom('request_events')
    .select([
      'received_at',
      'experiment',
      'variant',
      'status',
      'duration_ms',
      'input_tokens',
      'output_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'reasoning_tokens',
      'cost_usd',
      'shadow_differed',
      'cache',
      'saved_usd',
    ])
    .where('received_at', '>=', q.since)
    .where('received_at', '<', q.until);
  select =
    q.experiment === undefined
      ? select.where('experiment', 'is not', null)
      : select.where('experiment', '=', q.experiment);
  const groups = new Map<string, Group>();
  for (const e of await select.orderBy(sql`received_at`).execute()) {
    const bucket = q.bucketMs === undefined ? undefined : Math.floor(Number(e.received_at) / q.bucketMs);
    const variant = q.byVariant ? e.variant : undefined;
    const id = `${bucket ?? ''}\u0000${e.experiment}\u0000${variant ?? ''}`;
    let group = groups.get(id);
    if (!group) {
      const row: ExperimentRow = {
        experiment: e.experiment,
        ...emptySums(),
        cache_hit_rate: null,
        latency_p50_ms: null,
        latency_p95_ms: null,
        latency_p99_ms: null,
        differed: 0,
      };
      if (bucket !== undefined) row.period = label(bucket);
      if (q.byVariant) row.variant = e.variant;
      group = { row, latencies: [] };
      groups.set(id, group);
    }
    const row = group.row;
    addUsage(row, e);
    if (Number(e.shadow_differed) === 1) row.differed++;
    if (e.duration_ms !== null && e.status < 400) group.latencies.push(Number(e.duration_ms));
  }
  const rows: ExperimentRow[] = [];
  for (const { row, latencies } of groups.values()) {
    latencies.sort((a, b) => a - b);
    row.latency_p50_ms = percentile(latencies, 0.5);
    row.latency_p95_ms = percentile(latencies, 0.95);
    row.latency_p99_ms = percentile(latencies, 0.99);
    row.cache_hit_rate =
      row.cache_lookups > 0 ? Math.round((row.cache_hits / row.cache_lookups) * 10_000) / 10_000 : null;
    rows.push(row);
  }
  return rows.sort(
    (a, b) =>
      (a.period ?? '').localeCompare(b.period ?? '') ||
      (a.experiment ?? '').localeCompare(b.experiment ?? '') ||
      (a.variant ?? '').localeCompare(b.variant ?? ''),
  );
}

/** Nearest-rank percentile of sorted values, in whole milliseconds. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!);
}
