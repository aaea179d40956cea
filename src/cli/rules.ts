// Budgets, rate limits, guardrails, the response cache, tool rules and run bounds as flags: the same
// flags at create and at update, in the admin API's shape.
import { type AdminClient, list, pairs, segment } from './admin-client.ts';
import { ttlSeconds } from '../config/cache.ts';
import { type Flags, UsageError, type Values } from './command.ts';

export const ruleFlags: Flags = {
  budget: { type: 'string', value: 'USD', help: 'budget in dollars per period' },
  period: { type: 'string', value: 'PERIOD', help: 'day, week, month (default) or total' },
  'soft-threshold': {
    type: 'string',
    value: 'F',
    help: 'notify once per period past this fraction, e.g. 0.8',
  },
  rpm: { type: 'string', value: 'N', help: 'requests per minute' },
  tpm: { type: 'string', value: 'N', help: 'tokens per minute (input plus output)' },
  concurrency: { type: 'string', value: 'N', help: 'requests in flight at once' },
  guardrails: {
    type: 'string',
    value: 'NAMES',
    help: 'configured guardrails to add, comma-separated (the org-wide ones always apply)',
  },
  'cache-mode': { type: 'string', value: 'MODE', help: 'response cache: exact, semantic or off' },
  'cache-ttl': {
    type: 'string',
    value: 'TTL',
    help: 'how long a cached answer is kept: seconds, or 10m, 1h, 7d',
  },
  'cache-scope': {
    type: 'string',
    value: 'SCOPE',
    help: 'who shares cached answers: team, key, user, global',
  },
  'max-steps': { type: 'string', value: 'N', help: 'model calls per agent run (x-gatehouse-run-id)' },
  'max-tool-calls': { type: 'string', value: 'N', help: 'tool calls per agent run' },
  'max-cost': { type: 'string', value: 'USD', help: "settled cost of a run's model calls" },
  'max-duration': { type: 'string', value: 'S', help: "seconds from a run's first call" },
  'max-repeats': {
    type: 'string',
    value: 'N',
    help: 'the same tool call or model request at most N times in a row (loop breaker)',
  },
  tools: {
    type: 'string',
    value: 'a*,!b*',
    help: 'MCP tools it may call: globs over server__tool, ! denies (unset: no restriction of its own)',
  },
  'tool-rpm': { type: 'string', value: 'GLOB=N,…', help: 'calls per minute of each tool a glob matches' },
  'tool-args': {
    type: 'string',
    value: 'JSON',
    help: 'narrowed tool inputs, e.g. \'{"github__*":{"read_only":{"const":true}}}\'',
  },
};

const cacheFlags = { 'cache-mode': 'mode', 'cache-ttl': 'ttl', 'cache-scope': 'scope' } as const;

/** The cache rule the flags give, over `current` (undefined: no cache flag given). */
function cacheRule(values: Values, current: Record<string, unknown> | null = null) {
  const given = Object.keys(cacheFlags).filter((flag) => values[flag] !== undefined);
  if (given.length === 0) return undefined;
  const rule: Record<string, unknown> = { ...(current ?? {}) };
  for (const [flag, field] of Object.entries(cacheFlags)) {
    const value = values[flag];
    // A TTL may be given as a duration (10m, 1h, 7d); anything else goes as typed, for the API to name.
    if (value !== undefined)
      rule[field] = field === 'ttl' && typeof value === 'string' ? (ttlSeconds(value) ?? value) : value;
  }
  return rule;
}

const toolFlags = ['tools', 'tool-rpm', 'tool-args'] as const;
const toolFields = { tools: 'tools', 'tool-rpm': 'tool_limits', 'tool-args': 'tool_args' } as const;

/** The tool rules given as flags, in the API's shape (a malformed value is sent as is: the API names it). */
function toolRules(values: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (values.tools !== undefined) out.tools = list(values.tools);
  if (values['tool-rpm'] !== undefined)
    out.tool_limits = Object.fromEntries(
      Object.entries(pairs(values['tool-rpm']) ?? {}).map(([glob, n]) => [glob, number(n)]),
    );
  if (typeof values['tool-args'] === 'string') {
    try {
      out.tool_args = JSON.parse(values['tool-args']);
    } catch {
      throw new UsageError('--tool-args takes JSON, e.g. \'{"github__*":{"read_only":{"const":true}}}\'.');
    }
  }
  return out;
}

const limitNames = ['rpm', 'tpm', 'concurrency'] as const;
/** Run bound flags and the fields they set in `run`. */
const runFields = {
  'max-steps': 'max_steps',
  'max-tool-calls': 'max_tool_calls',
  'max-cost': 'max_cost_usd',
  'max-duration': 'max_duration_s',
  'max-repeats': 'max_repeats',
} as const;
const runFlagNames = Object.keys(runFields) as Array<keyof typeof runFields>;

function runChange(
  values: Values,
  current: Record<string, unknown>,
  unset: string[],
): Record<string, unknown> {
  const run: Record<string, unknown> = { ...current };
  for (const flag of runFlagNames) {
    if (unset.includes(flag)) delete run[runFields[flag]];
    else if (values[flag] !== undefined) run[runFields[flag]] = number(values[flag]);
  }
  return run;
}

export const defined = <T extends Record<string, unknown>>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Not a number stays text, so the API names the field (NaN would be sent as null: "unset"). */
export const number = (value: string | boolean | undefined) =>
  typeof value !== 'string'
    ? undefined
    : Number.isFinite(Number(value)) && value.trim() !== ''
      ? Number(value)
      : value;

interface Rules {
  budget: { usd: unknown; period: unknown; soft_threshold?: unknown } | null;
  limits: Partial<Record<(typeof limitNames)[number], unknown>> | null;
  guardrails: string[] | null;
  cache: Record<string, unknown> | null;
  run: Record<string, unknown> | null;
  tools?: unknown;
  tool_limits?: unknown;
  tool_args?: unknown;
}

/** The budget and limits given at create (nothing given: nothing sent). */
export function rulesAtCreate(values: Values): Partial<Rules> {
  if (values.budget === undefined && (values.period !== undefined || values['soft-threshold'] !== undefined))
    throw new UsageError('--period and --soft-threshold need --budget.');
  const budget =
    values.budget === undefined
      ? undefined
      : (defined({
          usd: number(values.budget),
          period: values.period ?? 'month',
          soft_threshold: number(values['soft-threshold']),
        }) as Rules['budget']);
  const limits = defined(Object.fromEntries(limitNames.map((n) => [n, number(values[n])])));
  const run = runChange(values, {}, []);
  return defined({
    budget,
    limits: Object.keys(limits).length > 0 ? limits : undefined,
    guardrails: list(values.guardrails),
    cache: cacheRule(values),
    run: Object.keys(run).length > 0 ? run : undefined,
    ...toolRules(values),
  });
}

export const ruleFlagNames = [...Object.keys(ruleFlags)];
export const ruleUnsetNames = [
  'budget',
  'limits',
  ...limitNames,
  'guardrails',
  'cache',
  'run',
  ...runFlagNames,
  ...toolFlags,
];

/**
 * At update, flags change only what they name: the current rules are read, changed, and written
 * back whole (`PUT …/rules` replaces). `unset` removes the budget, all limits, or one limit.
 * Returns undefined when no rule flag was given.
 */
export async function updateRules(
  client: AdminClient,
  collection: string,
  ref: string,
  values: Values,
  unset: string[],
): Promise<Rules | undefined> {
  const touched =
    ruleFlagNames.some((n) => values[n] !== undefined) || unset.some((n) => ruleUnsetNames.includes(n));
  if (!touched) return undefined;
  const path = `/admin/${collection}/${segment(ref)}/rules`;
  const current = await client.request<Rules>('GET', path);
  const change: Partial<Rules> = {};

  if (unset.includes('budget')) change.budget = null;
  else if (
    values.budget !== undefined ||
    values.period !== undefined ||
    values['soft-threshold'] !== undefined
  ) {
    if (values.budget === undefined && !current.budget)
      throw new UsageError('there is no budget to change: give --budget USD.');
    change.budget = defined({
      usd: values.budget === undefined ? current.budget?.usd : number(values.budget),
      period: values.period ?? current.budget?.period ?? 'month',
      soft_threshold:
        values['soft-threshold'] === undefined
          ? current.budget?.soft_threshold
          : number(values['soft-threshold']),
    }) as Rules['budget'];
  }

  if (unset.includes('limits')) change.limits = null;
  else if (limitNames.some((n) => values[n] !== undefined || unset.includes(n))) {
    const limits: Record<string, unknown> = { ...(current.limits ?? {}) };
    for (const n of limitNames) {
      if (unset.includes(n)) delete limits[n];
      else if (values[n] !== undefined) limits[n] = number(values[n]);
    }
    change.limits = Object.keys(limits).length > 0 ? limits : null;
  }

  if (unset.includes('guardrails')) change.guardrails = null;
  else if (values.guardrails !== undefined) change.guardrails = list(values.guardrails) ?? [];
  if (unset.includes('cache')) change.cache = null;
  else {
    const cache = cacheRule(values, current.cache);
    if (cache) change.cache = cache;
  }
  if (unset.includes('run')) change.run = null;
  else if (runFlagNames.some((n) => values[n] !== undefined || unset.includes(n))) {
    const run = runChange(values, current.run ?? {}, unset);
    change.run = Object.keys(run).length > 0 ? run : null;
  }
  Object.assign(change, toolRules(values));
  for (const flag of toolFlags) if (unset.includes(flag)) change[toolFields[flag]] = null;
  return client.request<Rules>('PUT', path, change);
}
