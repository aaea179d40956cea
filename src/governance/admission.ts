// Admit and settle: before a call, reserve everything it may use — a request slot, its worst-case
// tokens, a concurrency slot and its worst-case cost — in one all-or-nothing step (atomic in Redis
// across replicas); after it, replace the reservation with what was actually used.
import type { Kysely } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { Schema } from '../store/schema.ts';
import type { CounterDelta, CounterStore, Reservation } from './counters/index.ts';
import { type Period, periodBounds } from './periods.ts';

export interface LimitRule {
  scope: 'key' | 'team' | 'user' | 'model';
  id: string;
  name: string;
  rpm?: number | undefined;
  tpm?: number | undefined;
  concurrency?: number | undefined;
}

export interface BudgetRule {
  scope: 'key' | 'team' | 'user';
  id: string;
  name: string;
  limitMicros: number;
  period: Period;
  softThreshold?: number | undefined;
}

export interface AdmissionInput {
  limits: LimitRule[];
  budgets: BudgetRule[];
  /** Input tokens (estimated) plus the output limit: what the request may use at most. */
  worstCaseTokens: number;
  /** USD at the dearest target's prices, or null when no price is known. */
  worstCaseUsd: number | null;
  /** Output tokens reserved, and whether that is the default because the request set no limit: for the refusal's message. */
  outputTokens?: number;
  outputAssumed?: boolean;
}

export interface Settlement {
  tokens: number;
  costUsd: number | null;
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

export interface Admission {
  /** OpenAI-style x-ratelimit-* headers for the tightest request and token limits. */
  headers: Record<string, string>;
  settle(actual: Settlement): Promise<void>;
}

const minuteMs = 60_000;
const micros = (usd: number) => Math.round(usd * 1_000_000);

export class Governor {
  readonly #counters: CounterStore;
  readonly #db: Kysely<Schema>;
  readonly #timeZone: string;
  readonly #notify: (event: BudgetEvent) => void;
  readonly #seeded = new Set<string>();
  /** Settled spend not yet written to the spend table, summed per budget and period. */
  #pending = new Map<string, PendingSpend>();
  #flushing: Promise<void> = Promise.resolve();
  readonly #flushTimer: NodeJS.Timeout;

  constructor(deps: {
    counters: CounterStore;
    db: Kysely<Schema>;
    timeZone: string;
    notify?: (event: BudgetEvent) => void;
  }) {
    this.#counters = deps.counters;
    this.#db = deps.db;
    this.#timeZone = deps.timeZone;
    this.#notify = deps.notify ?? (() => {});
    // Admission reads the shared counters; the spend table is their durable copy (and seeds them
    // after a restart), so it is written once a second in one transaction, not once per request.
    this.#flushTimer = setInterval(() => void this.flushSpend(), 1_000);
    this.#flushTimer.unref();
  }

  /** Writes settled spend to the spend table now (also before reports, and at shutdown). */
  flushSpend(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0) return;
      const batch = [...this.#pending.values()];
      this.#pending = new Map();
      try {
        await this.#db.transaction().execute(async (trx) => {
          for (const item of batch) await persistSpend(trx, item);
        });
      } catch {
        // The store is unavailable: keep the amounts for the next flush.
        for (const item of batch)
          this.#addPending(budgetKey(item.scope, item.id, item.period, item.periodStart), item);
      }
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#flushTimer);
    await this.flushSpend();
  }

  /** `key` names the budget and period: the budget's counter key. */
  #addPending(key: string, item: PendingSpend): void {
    const seen = this.#pending.get(key);
    if (seen) {
      seen.micros += item.micros;
      seen.updatedAt = Math.max(seen.updatedAt, item.updatedAt);
    } else this.#pending.set(key, { ...item });
  }

  async admit(input: AdmissionInput): Promise<Admission> {
    const now = Date.now();
    const reservations: Reservation[] = [];
    const kinds: Kind[] = [];
    for (const rule of input.limits) {
      const keys = limitKeys(rule);
      if (rule.rpm !== undefined) {
        reservations.push({ key: keys.rpm, amount: 1, limit: rule.rpm, windowMs: minuteMs });
        kinds.push('rpm');
      }
      if (rule.tpm !== undefined) {
        reservations.push({
          key: keys.tpm,
          amount: input.worstCaseTokens,
          limit: rule.tpm,
          windowMs: minuteMs,
        });
        kinds.push('tpm');
      }
      if (rule.concurrency !== undefined) {
        reservations.push({ key: keys.concurrency, amount: 1, limit: rule.concurrency });
        kinds.push('concurrency');
      }
    }
    // An unknown price still checks the budget is not spent (one micro-dollar), and charges nothing.
    const budgetAmount = Math.max(1, micros(input.worstCaseUsd ?? 0));
    const budgets: BudgetInPeriod[] = [];
    for (const rule of input.budgets) {
      const budget = budgetInPeriod(rule, now, this.#timeZone);
      budgets.push(budget);
      if (!this.#seeded.has(budget.key)) await this.#seed(budget.key, rule, budget.bounds.start);
      reservations.push({ key: budget.key, amount: budgetAmount, limit: rule.limitMicros });
      kinds.push('budget');
    }
    if (reservations.length === 0) return { headers: {}, settle: async () => {} };

    const result = await this.#counters.reserve(reservations);
    if (!result.ok) {
      const refused = reservations.findIndex((r) => r.key === result.refusal!.key);
      const { resetMs, current } = result.refusal!;
      throw this.#refusal(input, kinds[refused]!, reservations[refused]!, resetMs, budgets, current);
    }
    const headers = rateLimitHeaders(reservations, kinds, result.states);
    let settled = false;
    return {
      headers,
      settle: async (actual) => {
        if (settled) return;
        settled = true;
        const spent = micros(actual.costUsd ?? 0);
        const deltas: CounterDelta[] = [];
        for (let i = 0; i < reservations.length; i++) {
          const r = reservations[i]!;
          const kind = kinds[i];
          if (kind === 'tpm')
            deltas.push({ key: r.key, delta: actual.tokens - r.amount, windowMs: minuteMs });
          else if (kind === 'concurrency') deltas.push({ key: r.key, delta: -1 });
          else if (kind === 'budget') deltas.push({ key: r.key, delta: spent - r.amount });
        }
        if (deltas.length > 0) await this.#counters.adjust(deltas);
        if (spent > 0) {
          for (const { rule, bounds, key } of budgets) {
            this.#addPending(key, {
              scope: rule.scope,
              id: rule.id,
              period: rule.period,
              periodStart: bounds.start,
              micros: spent,
              updatedAt: now,
            });
          }
        }
        if (budgets.some(({ rule }) => rule.softThreshold !== undefined))
          await this.#checkThresholds(budgets);
      },
    };
  }

  /** Loads spend recorded in the database into a budget counter the first time it is used. */
  async #seed(key: string, rule: BudgetRule, periodStart: number): Promise<void> {
    if (this.#seeded.has(key)) return;
    const row = await this.#db
      .selectFrom('spend')
      .select('spent_micros')
      .where('scope', '=', rule.scope)
      .where('scope_id', '=', rule.id)
      .where('period', '=', rule.period)
      .where('period_start', '=', periodStart)
      .executeTakeFirst();
    await this.#counters.seed(key, row?.spent_micros ?? 0);
    if (this.#seeded.size > 100_000) this.#seeded.clear();
    this.#seeded.add(key);
  }

  async #checkThresholds(budgets: BudgetInPeriod[]): Promise<void> {
    const watched = budgets.filter(({ rule }) => rule.softThreshold !== undefined);
    const keys = watched.map(({ key }) => key);
    const values = await this.#counters.read(keys);
    for (const [i, { rule }] of watched.entries()) {
      if (values[i]! < rule.softThreshold! * rule.limitMicros) continue;
      // One notification per budget and period, across replicas: the first to reserve this slot sends it.
      const once = await this.#counters.reserve([{ key: `notified:${keys[i]}`, amount: 1, limit: 1 }]);
      if (!once.ok) continue;
      this.#notify({
        kind: 'budget.threshold',
        scope: rule.scope,
        id: rule.id,
        name: rule.name,
        period: rule.period,
        limitUsd: rule.limitMicros / 1e6,
        spentUsd: values[i]! / 1e6,
        threshold: rule.softThreshold!,
      });
    }
  }

  #refusal(
    input: AdmissionInput,
    kind: string,
    reservation: Reservation,
    resetMs: number | undefined,
    budgets: BudgetInPeriod[],
    current: number,
  ): GatehouseError {
    if (kind === 'budget') {
      const { rule, bounds } = budgets.find(({ key }) => key === reservation.key)!;
      return budgetRefusal(input, rule, bounds.end, reservation.amount, current);
    }
    const rule = input.limits.find((r) => reservation.key.startsWith(`rl:${r.scope}:${r.id}:`))!;
    const what =
      kind === 'rpm'
        ? `${rule.rpm} requests per minute`
        : kind === 'tpm'
          ? `${rule.tpm} tokens per minute`
          : `${rule.concurrency} concurrent requests`;
    return new GatehouseError(
      'GH_RATE_LIMITED',
      `Rate limit of ${what} for the ${rule.scope} "${rule.name}" reached.`,
      {
        retryAfter: kind === 'concurrency' ? 1 : Math.max(1, Math.ceil((resetMs ?? minuteMs) / 1000)),
      },
    );
  }
}

type Kind = 'rpm' | 'tpm' | 'concurrency' | 'budget';

interface LimitKeys {
  rpm: string;
  tpm: string;
  concurrency: string;
}

// Rules live as long as a principal's cache entry, so their counter keys are built once per rule
// rather than once per request.
const limitKeysByRule = new WeakMap<LimitRule, LimitKeys>();

function limitKeys(rule: LimitRule): LimitKeys {
  let keys = limitKeysByRule.get(rule);
  if (!keys) {
    const base = `rl:${rule.scope}:${rule.id}`;
    keys = { rpm: `${base}:rpm`, tpm: `${base}:tpm`, concurrency: `${base}:concurrency` };
    limitKeysByRule.set(rule, keys);
  }
  return keys;
}

interface BudgetInPeriod {
  rule: BudgetRule;
  bounds: { start: number; end: number };
  /** The counter of this budget in this period. */
  key: string;
}

const budgetKey = (scope: string, id: string, period: Period, start: number) =>
  `budget:${scope}:${id}:${period}:${start}`;

/** The budget's current period and its counter key, kept per rule until the period ends. */
const budgetsByRule = new WeakMap<BudgetRule, BudgetInPeriod>();

function budgetInPeriod(rule: BudgetRule, now: number, timeZone: string): BudgetInPeriod {
  const bounds = periodBounds(rule.period, now, timeZone);
  let budget = budgetsByRule.get(rule);
  if (budget?.bounds !== bounds) {
    budget = { rule, bounds, key: budgetKey(rule.scope, rule.id, rule.period, bounds.start) };
    budgetsByRule.set(rule, budget);
  }
  return budget;
}

type CounterState = { value: number; resetMs?: number };

/** Header names per kind, written once: OpenAI's limit, remaining and reset headers. */
const rateLimitHeaderNames = {
  rpm: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tpm: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
} as const;

/** OpenAI's rate-limit headers, from the request and token counters with the least room left. */
function rateLimitHeaders(reservations: Reservation[], kinds: Kind[], states: CounterState[]) {
  const headers: Record<string, string> = {};
  addTightest(headers, 'rpm', reservations, kinds, states);
  addTightest(headers, 'tpm', reservations, kinds, states);
  return headers;
}

function addTightest(
  headers: Record<string, string>,
  kind: 'rpm' | 'tpm',
  reservations: Reservation[],
  kinds: Kind[],
  states: CounterState[],
): void {
  let tightest = -1;
  let least = 0;
  for (let i = 0; i < reservations.length; i++) {
    if (kinds[i] !== kind) continue;
    const remaining = Math.max(0, reservations[i]!.limit - states[i]!.value);
    if (tightest === -1 || remaining < least) {
      tightest = i;
      least = remaining;
    }
  }
  if (tightest === -1) return;
  const [limit, remaining, reset] = rateLimitHeaderNames[kind];
  headers[limit] = String(reservations[tightest]!.limit);
  headers[remaining] = String(least);
  headers[reset] = goDuration(states[tightest]!.resetMs ?? minuteMs);
}

/** Dollars to the cent, or to the significant digits for amounts under a cent. */
export function usd(amount: number): string {
  return amount >= 0.01 || amount === 0 ? `$${amount.toFixed(2)}` : `$${Number(amount.toPrecision(2))}`;
}

/** Durations as OpenAI writes them: `156ms`, `1s`, `6m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

interface PendingSpend {
  scope: BudgetRule['scope'];
  id: string;
  period: BudgetRule['period'];
  periodStart: number;
  micros: number;
  updatedAt: number;
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

/**
 * Says what was reserved and why, and what to do. Waiting for the period's reset is offered (as
 * Retry-After) only when it can help: a request whose worst case alone is more than the budget
 * will never fit, whatever the time.
 */
function budgetRefusal(
  input: AdmissionInput,
  rule: BudgetRule,
  periodEnd: number,
  reservedMicros: number,
  currentMicros: number,
): GatehouseError {
  const per = rule.period === 'total' ? 'in total' : `per ${rule.period}`;
  const output =
    !input.outputTokens
      ? ''
      : input.outputAssumed
        ? ` It reserves the worst case: ${input.outputTokens} output tokens, assumed because the request sets no max_tokens; set a lower max_tokens to reserve less.`
        : ` It reserves the worst case of its max_tokens (${input.outputTokens} output tokens); a lower max_tokens reserves less.`;
  const head = `The ${rule.scope} "${rule.name}" budget of ${usd(rule.limitMicros / 1e6)} ${per} does not cover this request (${usd(reservedMicros / 1e6)} at most).`;
  if (reservedMicros > rule.limitMicros)
    return new GatehouseError('GH_BUDGET_EXCEEDED', `${head}${output}`);
  const used = `${usd(currentMicros / 1e6)} of it is spent or reserved by requests in flight`;
  if (rule.period === 'total')
    return new GatehouseError('GH_BUDGET_EXCEEDED', `${head} ${used}; it does not renew.${output}`);
  const reset = new Date(periodEnd).toISOString().replace('.000Z', 'Z');
  return new GatehouseError('GH_BUDGET_EXCEEDED', `${head} ${used}; it renews at ${reset}.${output}`, {
    retryAfter: Math.max(1, Math.ceil((periodEnd - Date.now()) / 1000)),
  });
}
