// Budgets and rate limits attached to a key, team or user. Set at creation or replaced later;
// audited like every admin change.
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Schema } from '../store/schema.ts';
import { appendAudit } from './audit.ts';
import { newId } from './crypto.ts';
import { type Period, periodBounds } from './periods.ts';
import type { Scope } from './refs.ts';
import {
  deleteRunRules,
  readRunRules,
  type RunRulesInput,
  runRulesViewSchema,
  writeRunRules,
} from './run-rules.ts';
import {
  deleteToolRules,
  readToolRules,
  type ToolRulesInput,
  type ToolRulesView,
  toolRulesViewShape,
  writeToolRules,
} from './tool-rules.ts';
import { usd } from './views.ts';

export type { Scope };

export interface BudgetInput {
  usd: number;
  period: Period;
  soft_threshold?: number | undefined;
}

export interface LimitsInput {
  rpm?: number | undefined;
  tpm?: number | undefined;
  concurrency?: number | undefined;
}

export async function writeBudget(
  trx: Transaction<Schema>,
  scope: Scope,
  id: string,
  budget: BudgetInput | null,
): Promise<void> {
  await trx.deleteFrom('budgets').where('scope', '=', scope).where('scope_id', '=', id).execute();
  if (!budget) return;
  await trx
    .insertInto('budgets')
    .values({
      id: newId('budget'),
      scope,
      scope_id: id,
      limit_micros: Math.round(budget.usd * 1_000_000),
      period: budget.period,
      soft_threshold: budget.soft_threshold ?? null,
      created_at: Date.now(),
    })
    .execute();
}

export async function writeLimits(
  trx: Transaction<Schema>,
  scope: Scope,
  id: string,
  limits: LimitsInput | null,
): Promise<void> {
  await trx.deleteFrom('limits').where('scope', '=', scope).where('scope_id', '=', id).execute();
  if (!limits || (limits.rpm === undefined && limits.tpm === undefined && limits.concurrency === undefined))
    return;
  await trx
    .insertInto('limits')
    .values({
      id: newId('limit'),
      scope,
      scope_id: id,
      rpm: limits.rpm ?? null,
      tpm: limits.tpm ?? null,
      concurrency: limits.concurrency ?? null,
      created_at: Date.now(),
    })
    .execute();
}

/** The response cache for a key, user or team: each field absent follows the level above. */
export interface CacheRuleInput {
  mode?: 'exact' | 'semantic' | 'off' | undefined;
  /** Seconds. */
  ttl?: number | undefined;
  scope?: 'team' | 'key' | 'user' | 'global' | undefined;
}

export async function writeCacheRule(
  trx: Transaction<Schema>,
  scope: Scope,
  id: string,
  rule: CacheRuleInput | null,
): Promise<void> {
  await trx.deleteFrom('cache_rules').where('scope', '=', scope).where('scope_id', '=', id).execute();
  if (!rule || (rule.mode === undefined && rule.ttl === undefined && rule.scope === undefined)) return;
  await trx
    .insertInto('cache_rules')
    .values({
      scope,
      scope_id: id,
      mode: rule.mode ?? null,
      ttl_s: rule.ttl ?? null,
      share: rule.scope ?? null,
      created_at: Date.now(),
    })
    .execute();
}

export function cacheRuleView(row: {
  mode: string | null;
  ttl_s: number | null;
  share: string | null;
}): CacheRuleInput {
  return {
    ...(row.mode === null ? {} : { mode: row.mode as CacheRuleInput['mode'] }),
    ...(row.ttl_s === null ? {} : { ttl: Number(row.ttl_s) }),
    ...(row.share === null ? {} : { scope: row.share as CacheRuleInput['scope'] }),
  };
}

export interface Rules extends ToolRulesInput {
  budget?: BudgetInput | undefined;
  limits?: LimitsInput | undefined;
  /** Names of configured guardrails, added to the org-wide and the model's (never replacing them). */
  guardrails?: string[] | undefined;
  cache?: CacheRuleInput | undefined;
  run?: RunRulesInput | undefined;
}

export async function writeGuardrails(
  trx: Transaction<Schema>,
  scope: Scope,
  id: string,
  names: string[] | null,
): Promise<void> {
  await trx.deleteFrom('guardrail_rules').where('scope', '=', scope).where('scope_id', '=', id).execute();
  if (!names || names.length === 0) return;
  await trx
    .insertInto('guardrail_rules')
    .values({ scope, scope_id: id, names: JSON.stringify([...new Set(names)]), created_at: Date.now() })
    .execute();
}

/** The budget and limits given at creation. */
export async function writeRules(
  trx: Transaction<Schema>,
  scope: Scope,
  id: string,
  rules: Rules,
): Promise<void> {
  if (rules.budget) await writeBudget(trx, scope, id, rules.budget);
  if (rules.limits) await writeLimits(trx, scope, id, rules.limits);
  if (rules.guardrails) await writeGuardrails(trx, scope, id, rules.guardrails);
  if (rules.cache) await writeCacheRule(trx, scope, id, rules.cache);
  if (rules.run) await writeRunRules(trx, scope, id, rules.run);
  await writeToolRules(trx, scope, id, rules);
}

/** Removes the budgets and limits of deleted owners (their spend rows stay, as history). */
export async function deleteRules(trx: Transaction<Schema>, scope: Scope, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.deleteFrom('budgets').where('scope', '=', scope).where('scope_id', 'in', ids).execute();
  await trx.deleteFrom('limits').where('scope', '=', scope).where('scope_id', 'in', ids).execute();
  await trx.deleteFrom('guardrail_rules').where('scope', '=', scope).where('scope_id', 'in', ids).execute();
  await trx.deleteFrom('cache_rules').where('scope', '=', scope).where('scope_id', 'in', ids).execute();
  await deleteRunRules(trx, scope, ids);
  await deleteToolRules(trx, scope, ids);
}

export async function replaceRules(
  db: Kysely<Schema>,
  actor: string,
  scope: Scope,
  id: string,
  change: {
    budget?: BudgetInput | null;
    limits?: LimitsInput | null;
    guardrails?: string[] | null;
    cache?: CacheRuleInput | null;
    run?: RunRulesInput | null;
  } & ToolRulesInput,
): Promise<RulesView> {
  return db.transaction().execute(async (trx) => {
    const before = await readRules(trx, scope, id);
    if (change.budget !== undefined) await writeBudget(trx, scope, id, change.budget);
    if (change.limits !== undefined) await writeLimits(trx, scope, id, change.limits);
    if (change.guardrails !== undefined) await writeGuardrails(trx, scope, id, change.guardrails);
    if (change.cache !== undefined) await writeCacheRule(trx, scope, id, change.cache);
    if (change.run !== undefined) await writeRunRules(trx, scope, id, change.run);
    await writeToolRules(trx, scope, id, change);
    const after = await readRules(trx, scope, id);
    await appendAudit(trx, {
      actor,
      action: `${scope}.rules`,
      targetType: scope,
      targetId: id,
      before,
      after,
    });
    return after;
  });
}

export async function readRules(
  db: Kysely<Schema> | Transaction<Schema>,
  scope: Scope,
  id: string,
): Promise<RulesView> {
  const cache = await db
    .selectFrom('cache_rules')
    .select(['mode', 'ttl_s', 'share'])
    .where('scope', '=', scope)
    .where('scope_id', '=', id)
    .executeTakeFirst();
  const budget = await db
    .selectFrom('budgets')
    .selectAll()
    .where('scope', '=', scope)
    .where('scope_id', '=', id)
    .executeTakeFirst();
  const limits = await db
    .selectFrom('limits')
    .selectAll()
    .where('scope', '=', scope)
    .where('scope_id', '=', id)
    .executeTakeFirst();
  const guardrails = await db
    .selectFrom('guardrail_rules')
    .select('names')
    .where('scope', '=', scope)
    .where('scope_id', '=', id)
    .executeTakeFirst();
  const run = await readRunRules(db, scope, id);
  return {
    run,
    guardrails: guardrails ? (JSON.parse(guardrails.names) as string[]) : null,
    budget: budget
      ? {
          usd: budget.limit_micros / 1e6,
          period: budget.period,
          ...(budget.soft_threshold === null ? {} : { soft_threshold: budget.soft_threshold }),
        }
      : null,
    limits: limits
      ? {
          ...(limits.rpm === null ? {} : { rpm: limits.rpm }),
          ...(limits.tpm === null ? {} : { tpm: limits.tpm }),
          ...(limits.concurrency === null ? {} : { concurrency: limits.concurrency }),
        }
      : null,
    cache: cache ? cacheRuleView(cache) : null,
    ...(await readToolRules(db, scope, id)),
  };
}

type RulesView = {
  budget: BudgetInput | null;
  limits: LimitsInput | null;
  guardrails: string[] | null;
  cache: CacheRuleInput | null;
  run: RunRulesInput | null;
} & ToolRulesView;

const money = z.number().describe('USD, rounded to 9 decimal places');
export const budgetViewSchema = z.object({
  usd: money,
  period: z.enum(['day', 'week', 'month', 'total']),
  soft_threshold: z.number().optional(),
});
export const rulesViewSchema = z.object({
  budget: budgetViewSchema.nullable(),
  limits: z
    .object({
      rpm: z.number().int().optional(),
      tpm: z.number().int().optional(),
      concurrency: z.number().int().optional(),
    })
    .nullable(),
  guardrails: z
    .array(z.string())
    .nullable()
    .describe("Guardrails this owner adds to the org-wide ones and the model's (docs/guardrails.md)"),
  cache: z
    .object({
      mode: z.enum(['exact', 'semantic', 'off']).optional(),
      ttl: z.number().int().optional().describe('Seconds'),
      scope: z.enum(['team', 'key', 'user', 'global']).optional(),
    })
    .nullable()
    .describe("The response cache for these callers, over the configuration's (docs/cache.md)"),
  run: runRulesViewSchema
    .nullable()
    .describe('Bounds on each agent run (x-gatehouse-run-id); null when none'),
  ...toolRulesViewShape,
});

export const spendSchema = z.object({
  scope: z.enum(['key', 'team', 'user']),
  id: z.string(),
  name: z.string(),
  period: z.enum(['day', 'week', 'month', 'total']),
  period_start: z.iso.datetime({ offset: true }).nullable().describe("null for 'total'"),
  resets_at: z.iso.datetime({ offset: true }).nullable().describe("null for 'total'"),
  spent_usd: money.describe(
    'Spent in the period: the budget counter when a budget covers it, else the request log',
  ),
  budget: budgetViewSchema
    .extend({ remaining_usd: money })
    .nullable()
    .describe('null when the key, team or user has no budget'),
});

/**
 * Spend in the current period, whether or not a budget exists. The period is the budget's unless
 * one is asked for (default month). Where a budget covers the period its settled counter is the
 * answer (what enforcement uses); otherwise `loggedSpend` sums the request log's rollups.
 */
export async function spendReport(
  db: Kysely<Schema>,
  owner: { scope: Scope; id: string; name: string },
  options: {
    timeZone: string;
    period?: Period | undefined;
    loggedSpend: (since: number, until: number) => Promise<number>;
  },
): Promise<z.infer<typeof spendSchema>> {
  const { budget } = await readRules(db, owner.scope, owner.id);
  const period = options.period ?? budget?.period ?? 'month';
  const now = Date.now();
  const bounds = periodBounds(period, now, options.timeZone);
  let spentMicros: number;
  if (budget && budget.period === period) {
    const row = await db
      .selectFrom('spend')
      .select('spent_micros')
      .where('scope', '=', owner.scope)
      .where('scope_id', '=', owner.id)
      .where('period', '=', period)
      .where('period_start', '=', bounds.start)
      .executeTakeFirst();
    spentMicros = Number(row?.spent_micros ?? 0);
  } else {
    spentMicros = Math.round((await options.loggedSpend(bounds.start, now)) * 1e6);
  }
  const spent = spentMicros / 1e6;
  return {
    ...owner,
    period,
    period_start: period === 'total' ? null : new Date(bounds.start).toISOString(),
    resets_at: period === 'total' ? null : new Date(bounds.end).toISOString(),
    spent_usd: usd(spent),
    budget: budget
      ? {
          ...budget,
          usd: usd(budget.usd),
          remaining_usd: usd(Math.max(0, Math.round(budget.usd * 1e6) - spentMicros) / 1e6),
        }
      : null,
  };
}
