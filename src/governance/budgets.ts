// Budgets: which counter holds a budget in its current period, how a refusal reads, and the spend
// ledger — the database's durable copy of settled spend, from which the shared counters are seeded
// and re-derived (after a Redis flush, or writes Redis lost).
import type { Kysely } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { Schema } from '../store/schema.ts';
import { type Period, periodBounds } from './periods.ts';
import { bounded } from './timeout.ts';

export interface BudgetRule {
  scope: 'key' | 'team' | 'user';
  id: string;
  name: string;
  limitMicros: number;
  period: Period;
  softThreshold?: number | undefined;
}

export interface BudgetInPeriod {
  rule: BudgetRule;
  bounds: { start: number; end: number };
  /** The counter of this budget in this period. */
  key: string;
}

export interface BudgetEvent {
  kind: 'budget.threshold';
  scope: BudgetRule['scope'];
  id: string;
  name: string;
  period: Period;
  limitUsd: number;
  spentUsd: number;
  threshold: number;
}

export const micros = (usd: number) => Math.round(usd * 1_000_000);

const budgetKey = (scope: string, id: string, period: Period, start: number) =>
  `budget:${scope}:${id}:${period}:${start}`;

/** The budget's current period and its counter key, kept per rule until the period ends. */
const budgetsByRule = new WeakMap<BudgetRule, BudgetInPeriod>();

export function budgetInPeriod(rule: BudgetRule, now: number, timeZone: string): BudgetInPeriod {
  const bounds = periodBounds(rule.period, now, timeZone);
  let budget = budgetsByRule.get(rule);
  if (budget?.bounds !== bounds) {
    budget = { rule, bounds, key: budgetKey(rule.scope, rule.id, rule.period, bounds.start) };
    budgetsByRule.set(rule, budget);
  }
  return budget;
}

/** How long a budget's counter is worth keeping: a day past its period (forever for `total`). */
export function counterTtlMs(budget: BudgetInPeriod, now: number): number | undefined {
  return budget.rule.period === 'total' ? undefined : Math.max(1, budget.bounds.end - now + 86_400_000);
}

/**
 * Says what was reserved and why, and what to do. Waiting for the period's reset is offered (as
 * Retry-After) only when it can help: a request whose worst case alone is more than the budget
 * will never fit, whatever the time.
 */
export function budgetRefusal(
  budget: BudgetInPeriod,
  counter: { reservedMicros: number; currentMicros: number },
  request: { outputTokens?: number; outputAssumed?: boolean },
): GatehouseError {
  const { rule, bounds } = budget;
  const per = rule.period === 'total' ? 'in total' : `per ${rule.period}`;
  const output = !request.outputTokens
    ? ''
    : request.outputAssumed
      ? ` It reserves the worst case: ${request.outputTokens} output tokens, assumed because the request sets no max_tokens; set a lower max_tokens to reserve less.`
      : ` It reserves the worst case of its max_tokens (${request.outputTokens} output tokens); a lower max_tokens reserves less.`;
  const head = `The ${rule.scope} "${rule.name}" budget of ${usd(rule.limitMicros / 1e6)} ${per} does not cover this request (${usd(counter.reservedMicros / 1e6)} at most).`;
  if (counter.reservedMicros > rule.limitMicros)
    return new GatehouseError('GH_BUDGET_EXCEEDED', `${head}${output}`);
  const used = `${usd(counter.currentMicros / 1e6)} of it is spent or reserved by requests in flight`;
  if (rule.period === 'total')
    return new GatehouseError('GH_BUDGET_EXCEEDED', `${head} ${used}; it does not renew.${output}`);
  const reset = new Date(bounds.end).toISOString().replace('.000Z', 'Z');
  return new GatehouseError('GH_BUDGET_EXCEEDED', `${head} ${used}; it renews at ${reset}.${output}`, {
    retryAfter: Math.max(1, Math.ceil((bounds.end - Date.now()) / 1000)),
  });
}

/** Dollars to the cent, or to the significant digits for amounts under a cent. */
export function usd(amount: number): string {
  return amount >= 0.01 || amount === 0 ? `$${amount.toFixed(2)}` : `$${Number(amount.toPrecision(2))}`;
}

interface PendingSpend {
  scope: BudgetRule['scope'];
  id: string;
  period: Period;
  periodStart: number;
  micros: number;
  updatedAt: number;
}

/**
 * Settled spend on its way to the `spend` table: summed per budget and period in memory and written
 * once a second in one transaction (the request path never waits on a database write); kept for
 * the next flush while the store is away. It also remembers the budgets this replica has used, so
 * that their counters can be re-derived from the table.
 */
export class SpendLedger {
  readonly #db: Kysely<Schema>;
  readonly #timeoutMs: number;
  #pending = new Map<string, PendingSpend>();
  #flushing: Promise<void> = Promise.resolve();
  /** Budgets in use here, by counter key: what reconciliation re-derives. */
  readonly #used = new Map<string, BudgetInPeriod>();

  constructor(db: Kysely<Schema>, timeoutMs: number) {
    this.#db = db;
    this.#timeoutMs = timeoutMs;
  }

  /** Queues settled spend; the amount is durable once the next flush commits. */
  charge(budget: BudgetInPeriod, amount: number, at: number): void {
    this.#add(budget.key, {
      scope: budget.rule.scope,
      id: budget.rule.id,
      period: budget.rule.period,
      periodStart: budget.bounds.start,
      micros: amount,
      updatedAt: at,
    });
  }

  use(budget: BudgetInPeriod): void {
    if (this.#used.size >= 10_000 && !this.#used.has(budget.key)) this.#used.clear();
    this.#used.set(budget.key, budget);
  }

  /** Budgets used here whose period has not ended. */
  inUse(now: number): BudgetInPeriod[] {
    for (const [key, budget] of this.#used) if (budget.bounds.end <= now) this.#used.delete(key);
    return [...this.#used.values()];
  }

  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0) return;
      const batch = this.#pending;
      this.#pending = new Map();
      try {
        await this.#db.transaction().execute(async (trx) => {
          for (const item of batch.values()) await persistSpend(trx, item);
        });
      } catch {
        // The store is unavailable: keep the amounts for the next flush.
        for (const [key, item] of batch) this.#add(key, item);
      }
    });
    return this.#flushing;
  }

  /**
   * What the spend table says each budget has spent in its period: committed spend only, since
   * spend not yet written reaches the counters through its own release. (Counting it here too
   * would charge it twice when a reconciliation ran between the two.) Bounded by the store
   * timeout: throws when the store does not answer in time.
   */
  async spent(budgets: BudgetInPeriod[]): Promise<number[]> {
    if (budgets.length === 0) return [];
    const rows = await bounded(
      this.#db
        .selectFrom('spend')
        .select(['scope', 'scope_id', 'period', 'period_start', 'spent_micros'])
        .where((eb) =>
          eb.or(
            budgets.map(({ rule, bounds }) =>
              eb.and([
                eb('scope', '=', rule.scope),
                eb('scope_id', '=', rule.id),
                eb('period', '=', rule.period),
                eb('period_start', '=', bounds.start),
              ]),
            ),
          ),
        )
        .execute(),
      this.#timeoutMs,
      'the store',
    );
    const found = new Map(
      rows.map((r) => [budgetKey(r.scope, r.scope_id, r.period, r.period_start), r.spent_micros]),
    );
    return budgets.map(({ key }) => found.get(key) ?? 0);
  }

  #add(key: string, item: PendingSpend): void {
    const seen = this.#pending.get(key);
    if (seen) {
      seen.micros += item.micros;
      seen.updatedAt = Math.max(seen.updatedAt, item.updatedAt);
    } else this.#pending.set(key, { ...item });
  }
}

async function persistSpend(db: Kysely<Schema>, item: PendingSpend): Promise<void> {
  await db
    .insertInto('spend')
    .values({
      scope: item.scope,
      scope_id: item.id,
      period: item.period,
      period_start: item.periodStart,
      spent_micros: item.micros,
      updated_at: item.updatedAt,
    })
    .onConflict((oc) =>
      oc.columns(['scope', 'scope_id', 'period', 'period_start']).doUpdateSet((eb) => ({
        spent_micros: eb('spend.spent_micros', '+', item.micros),
        updated_at: item.updatedAt,
      })),
    )
    .execute();
}
