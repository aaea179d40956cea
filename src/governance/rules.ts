// Budgets and rate limits attached to a key, team or user. Set at creation or replaced later;
// audited like every admin change.
import type { Kysely, Transaction } from 'kysely';
import type { Schema } from '../store/schema.ts';
import { appendAudit } from './audit.ts';
import { newId } from './crypto.ts';
import { type Period, periodBounds } from './periods.ts';

export type Scope = 'key' | 'team' | 'user';

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

export async function replaceRules(
  db: Kysely<Schema>,
  actor: string,
  scope: Scope,
  id: string,
  change: { budget?: BudgetInput | null; limits?: LimitsInput | null },
): Promise<{ budget: BudgetInput | null; limits: LimitsInput | null }> {
  return db.transaction().execute(async (trx) => {
    const before = await readRules(trx, scope, id);
    if (change.budget !== undefined) await writeBudget(trx, scope, id, change.budget);
    if (change.limits !== undefined) await writeLimits(trx, scope, id, change.limits);
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
): Promise<{ budget: BudgetInput | null; limits: LimitsInput | null }> {
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
  return {
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
  };
}

/** Settled spend against the owner's budget in the current period. */
export async function spendReport(db: Kysely<Schema>, scope: Scope, id: string, timeZone: string) {
  const { budget } = await readRules(db, scope, id);
  if (!budget) return { scope, id, budget: null };
  const bounds = periodBounds(budget.period, Date.now(), timeZone);
  const row = await db
    .selectFrom('spend')
    .select('spent_micros')
    .where('scope', '=', scope)
    .where('scope_id', '=', id)
    .where('period', '=', budget.period)
    .where('period_start', '=', bounds.start)
    .executeTakeFirst();
  const spent = (row?.spent_micros ?? 0) / 1e6;
  return {
    scope,
    id,
    budget: {
      ...budget,
      spent_usd: spent,
      remaining_usd: Math.max(0, budget.usd - spent),
      period_start: new Date(bounds.start).toISOString(),
      resets_at: budget.period === 'total' ? null : new Date(bounds.end).toISOString(),
    },
  };
}
