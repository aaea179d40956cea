// The synthetic request-log workload shared by the load benchmark (bench/events-load.ts) and the
// query-plan test: events with a realistic spread, the usage and log query shapes an operator runs
// over them, and the plans the store chooses for the exact SQL those queries send.
import {
  CompiledQuery,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { Schema } from '../src/store/schema.ts';
import type { EventRow } from '../src/telemetry/recorder.ts';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** A small, fast, seeded generator: the same seed gives the same events on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Picks an index by weight (cumulative weights, binary search). */
function picker(weights: number[]): (r: number) => number {
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) {
    sum += w;
    cumulative.push(sum);
  }
  return (r) => {
    const target = r * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** Zipf-like weights: a few large teams, keys and users, and a long tail. */
const zipf = (n: number, s = 1) => Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const idFrom = (rand: () => number, kind: string) =>
  `${kind}_${Array.from({ length: 12 }, () => alphabet[Math.floor(rand() * 64)]).join('')}`;

function uuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(rand() * 4)]!;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Price per million input / output tokens; null for the model no price list knows. */
const models: Array<{ name: string; provider: string; price: [number, number] | null; weight: number }> = [
  { name: 'gpt-4o-mini', provider: 'openai', price: [0.15, 0.6], weight: 30 },
  { name: 'gpt-4o', provider: 'openai', price: [2.5, 10], weight: 14 },
  { name: 'o3-mini', provider: 'openai', price: [1.1, 4.4], weight: 4 },
  { name: 'claude-3-5-haiku', provider: 'anthropic', price: [0.8, 4], weight: 12 },
  { name: 'claude-sonnet-4', provider: 'anthropic', price: [3, 15], weight: 12 },
  { name: 'gemini-2.0-flash', provider: 'google', price: [0.1, 0.4], weight: 9 },
  { name: 'gemini-1.5-pro', provider: 'google', price: [1.25, 5], weight: 3 },
  { name: 'mistral-large', provider: 'mistral', price: [2, 6], weight: 3 },
  { name: 'mistral-small', provider: 'mistral', price: [0.2, 0.6], weight: 4 },
  { name: 'codestral', provider: 'mistral', price: [0.3, 0.9], weight: 2 },
  { name: 'llama-3.3-70b', provider: 'bedrock', price: null, weight: 5 },
  { name: 'nova-pro', provider: 'bedrock', price: [0.8, 3.2], weight: 2 },
];

const tagValues = {
  env: { values: ['prod', 'staging', 'dev'], weights: [70, 20, 10] },
  feature: {
    values: ['chat', 'search', 'summarize', 'extract', 'agent', 'translate'],
    weights: [40, 25, 15, 10, 8, 2],
  },
  app: { values: ['web', 'mobile', 'batch', 'cli'], weights: [45, 25, 20, 10] },
};

const errors: Array<[status: number, code: string]> = [
  [429, 'GH_UPSTREAM_RATE_LIMITED'],
  [429, 'GH_RATE_LIMITED'],
  [502, 'GH_UPSTREAM_ERROR'],
  [503, 'GH_UPSTREAM_OVERLOADED'],
  [504, 'GH_UPSTREAM_TIMEOUT'],
  [400, 'GH_INVALID_REQUEST'],
];

/** Who calls: 50 teams, 500 keys (10 a team), 2000 users (40 a team); ids shaped like Gatehouse's. */
export interface Catalog {
  teams: string[];
  keys: Array<{ id: string; team: number }>;
  users: Array<{ id: string; team: number }>;
}

export const shape = { teams: 50, keysPerTeam: 10, usersPerTeam: 40, days: 30 } as const;

export function catalog(seed = 1): Catalog {
  const rand = random(seed * 7919);
  const teams = Array.from({ length: shape.teams }, () => idFrom(rand, 'team'));
  const keys = Array.from({ length: shape.teams * shape.keysPerTeam }, (_, i) => ({
    id: idFrom(rand, 'key'),
    team: i % shape.teams,
  }));
  const users = Array.from({ length: shape.teams * shape.usersPerTeam }, (_, i) => ({
    id: idFrom(rand, 'user'),
    team: i % shape.teams,
  }));
  return { teams, keys, users };
}

export interface WorkloadOptions {
  count: number;
  /** Epoch ms of the newest event; the events cover the `shape.days` days before it, oldest first. */
  end: number;
  seed?: number;
}

/**
 * The events, oldest first as a gateway writes them: team sizes and key, user and model use follow
 * long-tailed weights; 30% of calls carry no user; 1-3 tags; 2% errors; one model has no price.
 */
export function* syntheticEvents(options: WorkloadOptions): Generator<EventRow> {
  const { teams, keys, users } = catalog(options.seed ?? 1);
  const rand = random(options.seed ?? 1);
  const start = options.end - shape.days * dayMs;
  const step = (shape.days * dayMs) / options.count;
  const team = picker(zipf(teams.length, 0.9));
  const withinTeam = (n: number) => picker(zipf(n, 1.1));
  const key = withinTeam(shape.keysPerTeam);
  const user = withinTeam(shape.usersPerTeam);
  const model = picker(models.map((m) => m.weight));
  const tagPick = Object.fromEntries(
    Object.entries(tagValues).map(([k, v]) => [k, picker(v.weights)]),
  ) as Record<keyof typeof tagValues, (r: number) => number>;
  for (let i = 0; i < options.count; i++) {
    const receivedAt = Math.floor(start + (i + rand()) * step);
    const t = team(rand());
    const u = rand() < 0.7 ? user(rand()) : -1;
    // A user mostly calls through one key of the team; service traffic spreads over the keys.
    const k = u >= 0 && rand() < 0.8 ? u % shape.keysPerTeam : key(rand());
    const userId = u >= 0 ? users[t + shape.teams * u]!.id : null;
    const keyId = keys[t + shape.teams * k]!.id;
    const m = models[model(rand())]!;
    const failed = rand() < 0.02 ? errors[Math.floor(rand() * errors.length)]! : undefined;
    const stream = rand() < 0.4;
    const input = failed ? null : Math.round(50 + 8000 * rand() ** 3);
    const output = failed ? null : Math.round(10 + 1500 * rand() ** 2);
    const cacheRead = input !== null && rand() < 0.25 ? Math.floor(input * rand() * 0.8) : null;
    const reasoning = output !== null && m.name === 'o3-mini' ? Math.floor(output * 0.6) : null;
    const cost =
      input === null || output === null || m.price === null
        ? null
        : (input * m.price[0] + output * m.price[1]) / 1_000_000;
    const duration = Math.round(150 + 6000 * rand() ** 2);
    const tags: Record<string, string> = {
      env: tagValues.env.values[tagPick.env(rand())]!,
    };
    if (rand() < 0.6) tags.feature = tagValues.feature.values[tagPick.feature(rand())]!;
    if (rand() < 0.4) tags.app = tagValues.app.values[tagPick.app(rand())]!;
    const id = uuid(rand);
    const anthropic = m.provider === 'anthropic' && rand() < 0.5;
    yield {
      id,
      request_id: id,
      received_at: receivedAt,
      duration_ms: duration,
      first_byte_ms: stream ? Math.round(duration * 0.2) : duration,
      surface: anthropic ? 'anthropic' : 'openai',
      route: anthropic ? '/v1/messages' : '/v1/chat/completions',
      model: m.name,
      provider: m.provider,
      provider_model: m.name,
      stream: stream ? 1 : 0,
      status: failed ? failed[0] : 200,
      error_code: failed ? failed[1] : null,
      finish_reason: failed ? null : 'stop',
      key_id: keyId,
      team_id: teams[t]!,
      user_id: userId,
      input_tokens: input,
      output_tokens: output,
      cache_read_tokens: cacheRead,
      cache_write_tokens: null,
      reasoning_tokens: reasoning,
      cost_usd: cost,
      client_aborted: rand() < 0.005 ? 1 : 0,
      attempts: JSON.stringify([
        { provider: m.provider, model: m.name, status: failed ? failed[0] : 200, latencyMs: duration },
      ]),
      tags: JSON.stringify(tags),
      trace_id: null,
      region: null,
      request_body: null,
      response_body: null,
      config_version: null,
      guardrails: null,
      experiment: null,
      variant: null,
      shadow_of: null,
      shadow_differed: null,
      run_id: null,
    };
  }
}

export interface QueryShape {
  name: string;
  api: 'usage' | 'logs';
  query: URLSearchParams;
  /**
   * What the plan should do. `search`: seek an index on the filter or range. `filter`: an indexed
   * equality, which a store with costs may instead check while walking the time index backwards
   * when the value is common (LIMIT ends the walk early). `walk`: an ordered walk of the time
   * index that only LIMIT ends (no index can serve the filter).
   */
  expect: 'search' | 'filter' | 'walk';
}

/**
 * The usage and log queries an operator runs, with ids taken from the catalog: the largest team,
 * its busiest key, and `probe`, one of the written events (its request id, its place for a cursor).
 */
export function queryShapes(c: Catalog, end: number, probe: EventRow): QueryShape[] {
  const requestId = probe.request_id;
  // A cursor as the API hands it out, pointing into the middle of the log: paging deep into history.
  const cursor = Buffer.from(`${probe.received_at}:${probe.id}`).toString('base64url');
  const at = (ms: number) => String(ms);
  const window = { since: at(end - shape.days * dayMs), until: at(end + 1) };
  const team = c.teams[0]!;
  const key = c.keys[0]!.id;
  const user = c.users[0]!.id;
  const day = { since: at(end - 3 * dayMs), until: at(end - 2 * dayMs) };
  const usage = (name: string, params: Record<string, string>): QueryShape => ({
    name,
    api: 'usage',
    query: new URLSearchParams(params),
    expect: 'search',
  });
  const logs = (name: string, params: Array<[string, string]>, expect: QueryShape['expect']): QueryShape => ({
    name,
    api: 'logs',
    query: new URLSearchParams(params),
    expect,
  });
  return [
    usage('usage by team, per day, 30 days', { ...window, bucket: 'day', by: 'team' }),
    usage('usage by model, per hour, 7 days', {
      since: at(end - 7 * dayMs),
      until: window.until,
      bucket: 'hour',
      by: 'model',
    }),
    usage('usage by key, one team, 30 days', { ...window, bucket: 'day', by: 'key', team }),
    usage('usage by tag:env, 30 days', { ...window, bucket: 'day', by: 'tag:env' }),
    usage('usage totals, bucket=none, 30 days', { ...window, bucket: 'none' }),
    logs('logs: latest page', [['limit', '100']], 'walk'),
    logs(
      'logs: next page (cursor)',
      [
        ['limit', '100'],
        ['cursor', cursor],
      ],
      'walk',
    ),
    logs('logs: team + one day', [['team', team], ...Object.entries(day)], 'search'),
    logs('logs: key', [['key', key]], 'filter'),
    logs('logs: user', [['user', user]], 'filter'),
    logs('logs: model', [['model', 'gpt-4o']], 'filter'),
    logs('logs: request_id', [['request_id', requestId]], 'search'),
    logs('logs: request_id prefix', [['request_id', `${requestId.slice(0, 8)}*`]], 'search'),
    logs('logs: tag env=prod (common)', [['tag', 'env=prod']], 'walk'),
    logs('logs: tag feature=translate (rare)', [['tag', 'feature=translate']], 'walk'),
    logs(
      'logs: tag + team + one day',
      [['tag', 'app=batch'], ['team', team], ...Object.entries(day)],
      'search',
    ),
    logs('logs: tag that matches nothing', [['tag', 'feature=none']], 'walk'),
  ];
}

/** Keeps every query a Kysely instance sends, compiled by that instance: the exact SQL and parameters. */
class QueryCapture implements KyselyPlugin {
  readonly queries: CompiledQuery[] = [];
  readonly #db: Kysely<Schema>;
  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    this.queries.push(this.#db.getExecutor().compileQuery(node, queryId));
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

/** Runs `call` and returns the statements it sent that read `table` (the one the plan is about). */
export async function sentQueries(
  db: Kysely<Schema>,
  table: string,
  call: (db: Kysely<Schema>) => Promise<unknown>,
): Promise<CompiledQuery[]> {
  const capture = new QueryCapture(db);
  await call(db.withPlugin(capture));
  return capture.queries.filter((q) => new RegExp(`from "${table}"`).test(q.sql));
}

/** The plan of one statement as text, one line a step: EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL). */
export async function explain(
  db: Kysely<Schema>,
  kind: 'sqlite' | 'postgres',
  query: CompiledQuery,
): Promise<string[]> {
  if (kind === 'postgres') {
    const result = await db.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`EXPLAIN ${query.sql}`, [...query.parameters]),
    );
    return result.rows.map((row) => row['QUERY PLAN']);
  }
  const result = await db.executeQuery<{ id: number; parent: number; detail: string }>(
    CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]),
  );
  const depth = new Map<number, number>([[0, -1]]);
  return result.rows.map((row) => {
    const d = (depth.get(row.parent) ?? -1) + 1;
    depth.set(row.id, d);
    return `${'  '.repeat(d)}${row.detail}`;
  });
}

/**
 * Steps of a plan that read a whole table: SQLite's `SCAN t` with no index (a `SCAN t USING INDEX`
 * walks an index in order, which LIMIT can end early), PostgreSQL's `Seq Scan on t`.
 */
export function fullScans(plan: string[], tables: string[]): string[] {
  return plan.filter((line) =>
    tables.some((t) =>
      new RegExp(`^\\s*(SCAN ${t}(?! USING)\\b|.*(Parallel )?Seq Scan on ${t}\\b)`).test(line),
    ),
  );
}

/** The table a shape's query reads: the log, or the daily or hourly rollups (as queryUsage picks). */
export function tableOf(shape: QueryShape): string {
  if (shape.api === 'logs') return 'request_events';
  const query = shape.query;
  const daily =
    (query.get('bucket') ?? 'day') !== 'hour' &&
    !(query.get('by') ?? '').split(',').includes('user') &&
    !query.has('user');
  const rollup = daily ? 'usage_daily' : 'usage_hourly';
  return query.get('by')?.startsWith('tag:') ? `${rollup}_tags` : rollup;
}
