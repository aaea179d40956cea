// Scores of answers — caller feedback and online evaluators side by side — and their rollups by
// team, model, target and experiment variant. Other parts (drift, routing demotion, the cache's
// quality gate) read scores through listScores and rollup only.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterNewest } from '../governance/index.ts';
import type { Schema } from '../store/index.ts';

export type ScoreSource = 'feedback' | 'evaluator';

export interface ScoreInput {
  requestId: string;
  eventId?: string | null;
  teamId?: string | null;
  keyId?: string | null;
  model?: string | null;
  provider?: string | null;
  target?: string | null;
  experiment?: string | null;
  variant?: string | null;
  source: ScoreSource;
  name: string;
  /** Booleans are stored as 1 and 0. */
  value: number | boolean;
  comment?: string | null;
  tags?: Record<string, string>;
  createdAt?: number;
}

/**
 * Told of scores once they are stored (the response cache's quality gate evicts answers rated bad):
 * injected by the wiring, so that quality/ never imports the cache. Its failures are its own.
 */
export type ScoresStored = (
  scores: ReadonlyArray<{ requestId: string; source: ScoreSource; name: string; value: number | boolean }>,
) => Promise<void> | void;

export interface Score {
  id: string;
  requestId: string;
  eventId: string | null;
  teamId: string | null;
  keyId: string | null;
  model: string | null;
  provider: string | null;
  target: string | null;
  experiment: string | null;
  variant: string | null;
  source: ScoreSource;
  name: string;
  value: number;
  comment: string | null;
  tags: Record<string, string>;
  createdAt: number;
}

export interface ScoreFilter {
  teamId?: string;
  requestId?: string;
  model?: string;
  target?: string;
  experiment?: string;
  variant?: string;
  source?: ScoreSource;
  name?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  limit?: number;
  /** Continues after this score (a page's last): older ones, or as old with a greater id. */
  after?: { at: number; id: string };
}

export const groupKeys = [
  'team',
  'model',
  'provider',
  'target',
  'experiment',
  'variant',
  'source',
  'name',
] as const;
export type GroupKey = (typeof groupKeys)[number];

const groupColumn = {
  team: 'team_id',
  model: 'model',
  provider: 'provider',
  target: 'target',
  experiment: 'experiment',
  variant: 'variant',
  source: 'source',
  name: 'name',
} as const;

export interface RollupRow {
  /** The grouped-by values, by group key (null where the score had none). */
  group: Partial<Record<GroupKey, string | null>>;
  count: number;
  mean: number;
  min: number;
  max: number;
}

function scoreRow(input: ScoreInput) {
  return {
    id: `score_${randomUUID()}`,
    request_id: input.requestId,
    event_id: input.eventId ?? null,
    team_id: input.teamId ?? null,
    key_id: input.keyId ?? null,
    model: input.model ?? null,
    provider: input.provider ?? null,
    target: input.target ?? null,
    experiment: input.experiment ?? null,
    variant: input.variant ?? null,
    source: input.source,
    name: input.name,
    value: typeof input.value === 'boolean' ? (input.value ? 1 : 0) : input.value,
    comment: input.comment ?? null,
    tags: JSON.stringify(input.tags ?? {}),
    created_at: input.createdAt ?? Date.now(),
  };
}

/** Stores scores (one or many, in one statement), then tells `stored`; returns their ids. */
export async function recordScore(
  db: Kysely<Schema>,
  input: ScoreInput | ScoreInput[],
  stored?: ScoresStored,
): Promise<string[]> {
  const inputs = Array.isArray(input) ? input : [input];
  const rows = inputs.map(scoreRow);
  if (rows.length === 0) return [];
  for (let i = 0; i < rows.length; i += 100) {
    await db
      .insertInto('quality_scores')
      .values(rows.slice(i, i + 100))
      .execute();
  }
  await stored?.(inputs);
  return rows.map((r) => r.id);
}

// biome-ignore lint/suspicious/noExplicitAny: the same filter applies to a select and an aggregate
function filtered(db: Kysely<Schema>, filter: ScoreFilter): any {
  let q = db.selectFrom('quality_scores');
  if (filter.teamId !== undefined) q = q.where('team_id', '=', filter.teamId);
  if (filter.requestId !== undefined) q = q.where('request_id', '=', filter.requestId);
  if (filter.model !== undefined) q = q.where('model', '=', filter.model);
  if (filter.target !== undefined) q = q.where('target', '=', filter.target);
  if (filter.experiment !== undefined) q = q.where('experiment', '=', filter.experiment);
  if (filter.variant !== undefined) q = q.where('variant', '=', filter.variant);
  if (filter.source !== undefined) q = q.where('source', '=', filter.source);
  if (filter.name !== undefined) q = q.where('name', '=', filter.name);
  if (filter.since !== undefined) q = q.where('created_at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('created_at', '<', filter.until);
  const after = filter.after;
  if (after !== undefined) q = q.where('created_at', '<=', after.at).where(afterNewest('created_at', after));
  return q;
}

/** Scores matching the filter, newest first (at most `limit`, default 100, bound 1000). */
export async function listScores(db: Kysely<Schema>, filter: ScoreFilter = {}): Promise<Score[]> {
  return readScores(db, filter, Math.min(Math.max(filter.limit ?? 100, 1), 1000));
}

/** One page of scores, newest first, and where the next page starts (none on the last). */
export async function pageScores(
  db: Kysely<Schema>,
  filter: ScoreFilter & { limit: number },
): Promise<{ data: Score[]; next: { at: number; id: string } | undefined }> {
  const rows = await readScores(db, filter, filter.limit + 1);
  const data = rows.slice(0, filter.limit);
  const last = data.at(-1);
  return { data, next: rows.length > filter.limit && last ? { at: last.createdAt, id: last.id } : undefined };
}

async function readScores(db: Kysely<Schema>, filter: ScoreFilter, limit: number): Promise<Score[]> {
  const rows = await filtered(db, filter)
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r: Schema['quality_scores']) => ({
    id: r.id,
    requestId: r.request_id,
    eventId: r.event_id,
    teamId: r.team_id,
    keyId: r.key_id,
    model: r.model,
    provider: r.provider,
    target: r.target,
    experiment: r.experiment,
    variant: r.variant,
    source: r.source,
    name: r.name,
    value: Number(r.value),
    comment: r.comment,
    tags: JSON.parse(r.tags),
    createdAt: Number(r.created_at),
  }));
}

/**
 * Count, mean, min and max of the matching scores per group. Scores of different names are never
 * averaged together: `name` is always part of the grouping.
 */
export async function rollup(
  db: Kysely<Schema>,
  filter: ScoreFilter = {},
  groupBy: readonly GroupKey[] = ['team', 'model'],
): Promise<RollupRow[]> {
  const keys = [...new Set<GroupKey>([...groupBy, 'name'])];
  const columns = keys.map((k) => groupColumn[k]);
  let query = filtered(db, filter)
    .select(columns)
    // biome-ignore lint/suspicious/noExplicitAny: kysely's aggregate builder over a dynamic query
    .select((eb: any) => [
      eb.fn.countAll().as('count'),
      eb.fn.avg('value').as('mean'),
      eb.fn.min('value').as('min'),
      eb.fn.max('value').as('max'),
    ])
    .groupBy(columns);
  for (const column of columns) query = query.orderBy(column);
  const rows = await query.execute();
  return rows.map((r: Record<string, unknown>) => ({
    group: Object.fromEntries(keys.map((k) => [k, (r[groupColumn[k]] as string | null) ?? null])),
    count: Number(r.count),
    mean: Number(r.mean),
    min: Number(r.min),
    max: Number(r.max),
  }));
}
