// GET /admin/usage: spend, tokens and requests from the hourly rollups, bucketed by hour or day
// (UTC) and grouped by team, key, user, model, provider or a tag; latency percentiles estimated from
// the rollups' histograms. Reads rollups only, never events (except the report by experiment).
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { validateBody } from '../api/validate.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { usd } from '../governance/index.ts';
import type { Schema, UsageSums } from '../store/schema.ts';
import { emptySums, histogramColumns, latencyPercentiles, sumColumns } from '../telemetry/index.ts';
import { decodeCursor, encodeCursor, paging, paramsObject } from './contract.ts';
import { rollup } from '../quality/scores.ts';
import { type ExperimentRow, experimentUsage } from './experiment-usage.ts';

const hourMs = 3_600_000;
const dayMs = 86_400_000;
const dimensions = ['team', 'key', 'user', 'model', 'provider'] as const;
type Dimension = (typeof dimensions)[number];
const column = {
  team: 'team_id',
  key: 'key_id',
  user: 'user_id',
  model: 'model',
  provider: 'provider',
} as const;

const invalid = (param: string, message: string) =>
  new GatehouseError('GH_INVALID_REQUEST', `${param}: ${message}`, { param });

/** An ISO date-time, epoch milliseconds, or a span back from now such as `90m`, `24h`, `7d`. */
export function parseTime(value: string, param: string, now = Date.now()): number {
  const relative = /^(\d+)([mhdw])$/.exec(value);
  if (relative) {
    const unit = { m: 60_000, h: hourMs, d: 86_400_000, w: 604_800_000 }[
      relative[2] as 'm' | 'h' | 'd' | 'w'
    ];
    return now - Number(relative[1]) * unit;
  }
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms))
    throw invalid(param, 'expected an ISO 8601 date-time, epoch milliseconds, or e.g. 7d');
  return ms;
}

const text = (description: string) => z.string().optional().describe(description);

/** The parameters of GET /admin/usage. `team`, `key` and `user` are ids here (the route resolves names). */
export const usageQuery = z.strictObject({
  since: text('ISO 8601, epoch ms, or a span back from now (default 7d)'),
  until: text('ISO 8601, epoch ms, or a span back from now (default now)'),
  bucket: text('hour | day (default) | none'),
  by: text(
    'Comma-separated: team, key, user, model, provider; or tag:<name> (with team only); or experiment, variant (with each other only)',
  ),
  experiment: text('Experiment name (reads the request events of that experiment)'),
  team: text('Team id or name'),
  key: text('Key id or name'),
  user: text('User id or name'),
  model: text('Model name'),
  provider: text('Provider name'),
  region: text("Read a data-residency region's store"),
  ...paging,
});
export type UsageInput = z.output<typeof usageQuery>;

const count = z.number().int();
const label = z.string().nullable().optional();
const usageRow = z.object({
  period: z
    .string()
    .optional()
    .describe('The hour (2026-12-05T22:00Z) or day (2026-12-05); absent with bucket=none'),
  team_id: label,
  team_name: label,
  key_id: label,
  key_name: label,
  user_id: label,
  user_name: label,
  model: label,
  provider: label,
  tag_value: label,
  experiment: label,
  variant: label.describe("An experiment's variant; 'shadow' for its shadow calls"),
  requests: count,
  errors: count,
  unpriced: count,
  input_tokens: count,
  output_tokens: count,
  cache_read_tokens: count,
  cache_write_tokens: count,
  reasoning_tokens: count,
  cost_usd: z.number().describe('USD rounded to 9 places'),
  cache_lookups: count.describe('Requests that looked in the response cache (hits and misses)'),
  cache_hits: count.describe('Requests answered from the response cache (exact or semantic), at cost 0'),
  cache_hit_rate: z.number().nullable().describe('cache_hits / cache_lookups; null without lookups'),
  saved_usd: z.number().describe('What the cache hits would have cost upstream, USD rounded to 9 places'),
  latency_p50_ms: z
    .number()
    .int()
    .nullable()
    .optional()
    .describe(
      'Median total latency of successful requests, ms; estimated from the rollup histograms (within a factor 2, usually much closer), exact by experiment; null without any',
    ),
  latency_p95_ms: z.number().int().nullable().optional().describe('95th percentile, as latency_p50_ms'),
  latency_p99_ms: z.number().int().nullable().optional().describe('By experiment only: exact'),
  ttft_p50_ms: z
    .number()
    .int()
    .nullable()
    .optional()
    .describe(
      'Median time to first token of successful streamed requests, ms, estimated like latency_p50_ms; not by experiment',
    ),
  ttft_p95_ms: z.number().int().nullable().optional().describe('95th percentile, as ttft_p50_ms'),
  differed: count
    .optional()
    .describe('By experiment only: shadow calls whose answer differed from the primary'),
  scores: z
    .record(z.string(), z.object({ count: count, mean: z.number() }))
    .optional()
    .describe(
      "By experiment only: feedback and evaluator scores of the experiment's (variant's) requests, per score name, over the whole range asked (not per period)",
    ),
});
export const usageReportSchema = z.object({
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }),
  bucket: z.enum(['hour', 'day', 'none']),
  by: z.array(z.string()),
  data: z.array(usageRow),
  next_cursor: z.string().nullable(),
  totals: usageRow
    .omit({
      period: true,
      team_id: true,
      team_name: true,
      key_id: true,
      key_name: true,
      user_id: true,
      user_name: true,
      model: true,
      provider: true,
      tag_value: true,
      experiment: true,
      variant: true,
      latency_p99_ms: true,
      differed: true,
    })
    .describe('Over every page'),
});

interface UsageQuery {
  since: number;
  until: number;
  bucket: 'hour' | 'day' | 'none';
  by: Dimension[];
  tag?: string;
}

/** The range and bucket every usage report reads alike (7 days back, by day, unless asked). */
function readRange(query: UsageInput): Pick<UsageQuery, 'since' | 'until' | 'bucket'> {
  const now = Date.now();
  const since = parseTime(query.since ?? '7d', 'since', now);
  const until = query.until !== undefined ? parseTime(query.until, 'until', now) : now;
  if (until <= since) throw invalid('until', 'must be after since');
  const bucket = query.bucket ?? 'day';
  if (bucket !== 'hour' && bucket !== 'day' && bucket !== 'none')
    throw invalid('bucket', 'one of hour, day, none');
  return { since, until, bucket };
}

function readQuery(query: UsageInput): UsageQuery {
  const by: Dimension[] = [];
  let tag: string | undefined;
  for (const part of (query.by ?? '').split(',').filter(Boolean)) {
    if (part.startsWith('tag:') && part.length > 4) tag = part.slice(4);
    else if ((dimensions as readonly string[]).includes(part)) by.push(part as Dimension);
    else throw invalid('by', `"${part}" is not one of ${dimensions.join(', ')}, tag:<name>`);
  }
  if (tag !== undefined && by.some((d) => d !== 'team'))
    throw invalid('by', 'tag:<name> combines with team only');
  return { ...readRange(query), by, ...(tag === undefined ? {} : { tag }) };
}

const sums = sumColumns;

const offsetCursor = z.object({ offset: z.number().int().min(0) });

/** `names` is the store that knows teams, keys and users (the default one, for a regional report). */
export async function queryUsage(
  db: Kysely<Schema>,
  input: UsageInput | URLSearchParams,
  names: Kysely<Schema> = db,
): Promise<z.infer<typeof usageReportSchema>> {
  const query = input instanceof URLSearchParams ? validateBody(usageQuery, paramsObject(input)) : input;
  const parts = (query.by ?? '').split(',').filter(Boolean);
  if (query.experiment !== undefined || parts.some((p) => p === 'experiment' || p === 'variant'))
    return experimentReport(db, query, parts, names);
  const q = readQuery(query);
  // Reports by day (or in total) read the daily rollups and cover whole UTC days; per hour, or by
  // user (a dimension only the hourly rollups keep), the hourly ones and whole hours.
  const daily = q.bucket !== 'hour' && !q.by.includes('user') && query.user === undefined;
  const unitMs = daily ? dayMs : hourMs;
  const time = daily ? 'day' : 'hour';
  const from = Math.floor(q.since / unitMs);
  const to = Math.ceil(q.until / unitMs);
  const period =
    q.bucket === 'none'
      ? sql<number>`0`
      : daily || q.bucket === 'hour'
        ? sql<number>`${sql.ref(time)}`
        : sql<number>`hour / 24`;
  const totals = [...sums, ...histogramColumns].map((name) => sql<number>`sum(${sql.ref(name)})`.as(name));
  const groups: Array<{ param: string; ref: string; as: string }> = q.by.map((d) => ({
    param: d,
    ref: column[d],
    as: column[d],
  }));
  // Rollups are summed over their own rows; the only filters are indexed columns.
  // biome-ignore lint/suspicious/noExplicitAny: the two rollup tables share the summed columns but not their keys
  let select: any;
  if (q.tag !== undefined) {
    select = db
      .selectFrom(daily ? 'usage_daily_tags' : 'usage_hourly_tags')
      .where('tag_key', '=', q.tag)
      .select(sql<string>`tag_value`.as('tag_value'));
    groups.push({ param: 'tag', ref: 'tag_value', as: 'tag_value' });
    const team = query.team;
    if (team !== undefined) select = select.where('team_id', '=', team);
    for (const d of dimensions)
      if (d !== 'team' && query[d] !== undefined) throw invalid(d, 'not available when grouping by tag');
  } else {
    select = db.selectFrom(daily ? 'usage_daily' : 'usage_hourly');
    for (const d of dimensions) {
      const value = query[d];
      if (value !== undefined) select = select.where(column[d], '=', value);
    }
  }
  select = select
    .where(time, '>=', from)
    .where(time, '<', to)
    .select(period.as('period'))
    .select(totals)
    .groupBy(sql`period`);
  for (const g of groups) select = select.select(sql.ref(g.ref).as(g.as)).groupBy(g.ref);
  select = select.orderBy(sql`period`).orderBy(sql`cost_usd`, 'desc');
  const all = (await select.execute()) as Array<Record<string, number | string>>;
  // Rows are grouped sums, few next to the events they cover: totals are taken over all of them and
  // a page is a slice, continued by its offset.
  const start = decodeCursor(query.cursor, offsetCursor)?.offset ?? 0;
  const rows = all.slice(start, start + query.limit);
  const labels = await namesFor(names, q.by, rows);
  const data = rows.map((row) => {
    const out: Record<string, unknown> = {};
    if (q.bucket !== 'none') out.period = periodLabel(Number(row.period), q.bucket);
    for (const g of groups) {
      out[g.as] = row[g.as] === '' ? null : row[g.as];
      const name = labels.get(`${g.as}:${row[g.as]}`);
      if (name !== undefined) out[g.as.replace(/_id$/, '_name')] = name;
    }
    for (const s of sums) out[s] = money.has(s) ? usd(Number(row[s] ?? 0)) : Number(row[s] ?? 0);
    out.cache_hit_rate = hitRate(out as { cache_hits: number; cache_lookups: number });
    Object.assign(out, latencyPercentiles(row));
    return out as z.infer<typeof usageRow>;
  });
  const total = totalOf(all);
  // The histograms of every row summed give the whole range's percentiles.
  const histogram: Record<string, number> = Object.fromEntries(histogramColumns.map((c) => [c, 0]));
  for (const row of all) for (const c of histogramColumns) histogram[c]! += Number(row[c] ?? 0);
  return {
    since: new Date(from * unitMs).toISOString(),
    until: new Date(to * unitMs).toISOString(),
    bucket: q.bucket,
    by: [...q.by, ...(q.tag === undefined ? [] : [`tag:${q.tag}`])],
    data,
    next_cursor: start + query.limit < all.length ? encodeCursor({ offset: start + query.limit }) : null,
    totals: { ...total, cache_hit_rate: hitRate(total), ...latencyPercentiles(histogram) },
  };
}

const money = new Set<string>(['cost_usd', 'saved_usd']);

/** The sums over every row of a report (every page), money rounded as in the rows. */
function totalOf(rows: ReadonlyArray<object>): UsageSums {
  const total = emptySums();
  for (const row of rows as Array<Partial<Record<string, unknown>>>)
    for (const s of sums) total[s] += Number(row[s] ?? 0);
  total.cost_usd = usd(total.cost_usd);
  total.saved_usd = usd(total.saved_usd);
  return total;
}

function hitRate(sums: { cache_hits: number; cache_lookups: number }): number | null {
  return sums.cache_lookups > 0 ? Math.round((sums.cache_hits / sums.cache_lookups) * 10_000) / 10_000 : null;
}

/** The report by experiment and variant, from the request events (experiment-usage.ts). */
async function experimentReport(db: Kysely<Schema>, query: UsageInput, by: string[], names: Kysely<Schema>) {
  const other = by.find((p) => p !== 'experiment' && p !== 'variant');
  if (other !== undefined)
    throw invalid('by', `experiment and variant combine with each other only, not "${other}"`);
  for (const d of dimensions)
    if (query[d] !== undefined) throw invalid(d, 'not available in a report by experiment');
  const { since, until, bucket } = readRange(query);
  const all = await experimentUsage(
    db,
    {
      since,
      until,
      bucketMs: bucket === 'none' ? undefined : bucket === 'hour' ? hourMs : dayMs,
      byVariant: by.includes('variant'),
      ...(query.experiment === undefined ? {} : { experiment: query.experiment }),
    },
    (n) => periodLabel(n, bucket === 'hour' ? 'hour' : 'day'),
  );
  const scores = await variantScores(names, since, until, by.includes('variant'), query.experiment);
  const start = decodeCursor(query.cursor, offsetCursor)?.offset ?? 0;
  const total = totalOf(all);
  return {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    bucket,
    by: by.length > 0 ? by : ['experiment'],
    data: all.slice(start, start + query.limit).map((row: ExperimentRow) => ({
      ...row,
      cost_usd: usd(row.cost_usd),
      saved_usd: usd(row.saved_usd),
      scores: scores.get(`${row.experiment}\u0000${by.includes('variant') ? row.variant : ''}`) ?? {},
    })),
    next_cursor: start + query.limit < all.length ? encodeCursor({ offset: start + query.limit }) : null,
    totals: { ...total, cache_hit_rate: hitRate(total) },
  };
}

function periodLabel(value: number, bucket: 'hour' | 'day'): string {
  const iso = new Date(value * (bucket === 'hour' ? hourMs : 24 * hourMs)).toISOString();
  return bucket === 'hour' ? `${iso.slice(0, 13)}:00Z` : iso.slice(0, 10);
}

/** Team, key and user names beside their ids, for people reading the report. */
async function namesFor(db: Kysely<Schema>, by: Dimension[], rows: Array<Record<string, unknown>>) {
  const names = new Map<string, string>();
  for (const [dimension, table] of [
    ['team', 'teams'],
    ['key', 'keys'],
    ['user', 'users'],
  ] as const) {
    if (!by.includes(dimension)) continue;
    const ids = [...new Set(rows.map((r) => r[column[dimension]] as string).filter(Boolean))];
    for (let i = 0; i < ids.length; i += 500) {
      const found = await db
        .selectFrom(table)
        .select(['id', 'name'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const { id, name } of found) names.set(`${column[dimension]}:${id}`, name);
    }
  }
  return names;
}

/** Scores (quality_scores) per experiment (and variant) and score name, given within the range. */
async function variantScores(
  db: Kysely<Schema>,
  since: number,
  until: number,
  byVariant: boolean,
  experiment: string | undefined,
): Promise<Map<string, Record<string, { count: number; mean: number }>>> {
  const rows = await rollup(
    db,
    { since, until, ...(experiment === undefined ? {} : { experiment }) },
    byVariant ? ['experiment', 'variant'] : ['experiment'],
  );
  const out = new Map<string, Record<string, { count: number; mean: number }>>();
  for (const r of rows) {
    if (!r.group.experiment) continue;
    const key = `${r.group.experiment}\u0000${byVariant ? (r.group.variant ?? '') : ''}`;
    const names = out.get(key) ?? {};
    names[r.group.name ?? ''] = { count: r.count, mean: Math.round(r.mean * 10_000) / 10_000 };
    out.set(key, names);
  }
  return out;
}
