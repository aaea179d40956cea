// Admit and settle: before a call, reserve everything it may use — a request slot, its worst-case
// tokens, a concurrency slot and its worst-case cost — in one all-or-nothing step (atomic in Redis
// across replicas), held under a lease the heartbeat renews while the call is in flight; after it,
// record the actual spend durably first, then end the lease and charge the counters.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { Schema } from '../store/schema.ts';
import {
  type BudgetEvent,
  type BudgetInPeriod,
  type BudgetRule,
  budgetInPeriod,
  budgetRefusal,
  counterTtlMs,
  micros,
  SpendLedger,
} from './budgets.ts';
import {
  type CounterDelta,
  type CounterStore,
  CountersWithFailureMode,
  type Hold,
  type OnFailure,
  type Release,
  type Reservation,
} from './counters/index.ts';
import {
  type LimitKind,
  type LimitRule,
  limitRefusal,
  minuteMs,
  rateLimitHeaders,
  reserveLimits,
} from './limits.ts';
import { bounded } from './timeout.ts';

export type { BudgetEvent, BudgetRule } from './budgets.ts';
export { usd } from './budgets.ts';
export { goDuration, type LimitRule } from './limits.ts';

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

export interface Admission {
  /** OpenAI-style x-ratelimit-* headers for the tightest request and token limits. */
  headers: Record<string, string>;
  /** Idempotent; never needs Redis to have answered for the spend to be recorded. */
  settle(actual: Settlement): Promise<void>;
}

export interface GovernorOptions {
  /** Redis holds the counters (else this process does, and Redis checks report not configured). */
  shared?: boolean;
  onFailure?: OnFailure;
  replicas?: number | undefined;
  leaseTtlMs?: number;
  /** Longest wait for the store when seeding or re-deriving budget counters. */
  storeTimeoutMs?: number;
  /** How often budget counters in use are re-derived from the spend table. */
  reconcileMs?: number;
  log?: (line: string) => void;
}

export interface ComponentReadiness {
  status: 'ok' | 'unavailable' | 'not_configured';
  on_failure?: OnFailure;
  error?: string;
}

export class Governor {
  readonly #counters: CountersWithFailureMode;
  readonly #ledger: SpendLedger;
  readonly #timeZone: string;
  readonly #notify: (event: BudgetEvent) => void;
  readonly #options: GovernorOptions;
  readonly #leaseTtlMs: number;
  readonly #timers: NodeJS.Timeout[];
  #sequence = 0;
  readonly #seeding = new Map<string, Promise<{ key: string; value: number; ttlMs?: number }>>();

  constructor(deps: {
    counters: CounterStore;
    db: Kysely<Schema>;
    timeZone: string;
    notify?: (event: BudgetEvent) => void;
    options?: GovernorOptions;
  }) {
    const options = deps.options ?? {};
    this.#options = options;
    this.#leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.#timeZone = deps.timeZone;
    this.#notify = deps.notify ?? (() => {});
    this.#ledger = new SpendLedger(deps.db, options.storeTimeoutMs ?? 2_000);
    this.#counters = new CountersWithFailureMode(deps.counters, {
      onFailure: options.onFailure ?? 'closed',
      replicas: options.replicas,
      leaseTtlMs: this.#leaseTtlMs,
      replica: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      ...(options.log ? { log: options.log } : {}),
    });
    this.#timers = [
      setInterval(() => void this.flushSpend(), 1_000),
      setInterval(() => void this.reconcile(), options.reconcileMs ?? 10_000),
    ];
    for (const timer of this.#timers) timer.unref();
  }

  /** Writes settled spend to the spend table now (also before reports, and at shutdown). */
  flushSpend(): Promise<void> {
    return this.#ledger.flush();
  }

  /**
   * Re-derives the shared budget counters in use here from the spend table: a counter lost in a
   * flush is seeded again, one that missed charges (a lease that expired before its call settled,
   * a write Redis lost) is raised to what the database holds. Never lowers a counter.
   */
  async reconcile(): Promise<void> {
    if (this.#counters.failure) return;
    await this.flushSpend();
    const budgets = this.#ledger.inUse(Date.now());
    try {
      for (let i = 0; i < budgets.length; i += 200) {
        const chunk = budgets.slice(i, i + 200);
        await this.#counters.shared.raise(await this.#seedValues(chunk));
      }
    } catch {
      // The store or Redis is away: the next round tries again.
    }
  }

  /** The store and Redis, each checked within `timeoutMs`, for /readyz. */
  async readiness(
    pingStore: () => Promise<void>,
    timeoutMs: number,
  ): Promise<{ store: ComponentReadiness; redis: ComponentReadiness }> {
    const check = async (ping: () => Promise<void>, what: string): Promise<ComponentReadiness> => {
      try {
        await bounded(ping(), timeoutMs, what);
        return { status: 'ok' };
      } catch (err) {
        return { status: 'unavailable', error: (err as Error).message };
      }
    };
    const [store, redis] = await Promise.all([
      check(pingStore, 'the store'),
      this.#options.shared
        ? check(() => this.#counters.shared.ping(), 'Redis')
        : Promise.resolve<ComponentReadiness>({ status: 'not_configured' }),
    ]);
    return {
      store,
      redis: this.#options.shared ? { ...redis, on_failure: this.#options.onFailure ?? 'closed' } : redis,
    };
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    await this.#counters.close();
    await this.flushSpend();
  }

  /**
   * Counts one call against per-minute counters (the MCP gateway's per-tool limits), all or
   * nothing, through the same shared counters and failure policy as the request limits. Returns
   * the refused counter's index and its window's reset, or undefined when every counter had room.
   */
  async countCalls(
    counters: Array<{ key: string; limit: number }>,
  ): Promise<{ index: number; resetMs: number } | undefined> {
    if (counters.length === 0) return undefined;
    const reservations: Reservation[] = counters.map((c) => ({
      key: c.key,
      amount: 1,
      limit: c.limit,
      windowMs: minuteMs,
    }));
    const lease = {
      id: `${this.#counters.replica}:${(++this.#sequence).toString(36)}`,
      ttlMs: this.#leaseTtlMs,
    };
    const { result } = await this.#counters.reserve(lease, reservations, async () => []);
    if (result.ok) return undefined;
    const index = reservations.findIndex((r) => r.key === result.refusal!.key);
    return { index, resetMs: result.refusal!.resetMs ?? minuteMs };
  }

  async admit(input: AdmissionInput): Promise<Admission> {
    const now = Date.now();
    const reservations: Reservation[] = [];
    const kinds: string[] = [];
    reserveLimits(input.limits, input.worstCaseTokens, reservations, kinds);
    // An unknown price still checks the budget is not spent (one micro-dollar), and charges nothing.
    const budgetAmount = Math.max(1, micros(input.worstCaseUsd ?? 0));
    const budgets = input.budgets.map((rule) => budgetInPeriod(rule, now, this.#timeZone));
    for (const budget of budgets) {
      this.#ledger.use(budget);
      reservations.push({
        key: budget.key,
        amount: budgetAmount,
        limit: budget.rule.limitMicros,
        seeded: true,
      });
      kinds.push('budget');
    }
    if (reservations.length === 0) return { headers: {}, settle: async () => {} };

    const lease = {
      id: `${this.#counters.replica}:${(++this.#sequence).toString(36)}`,
      ttlMs: this.#leaseTtlMs,
    };
    const seed = (keys: string[]) => this.#seedOnce(budgets.filter((b) => keys.includes(b.key)));
    let reserved: Awaited<ReturnType<CountersWithFailureMode['reserve']>>;
    try {
      reserved = await this.#counters.reserve(lease, reservations, seed);
    } catch (err) {
      if (err instanceof RangeError)
        throw new GatehouseError(
          'GH_INVALID_REQUEST',
          'The request asks for more tokens than can be counted.',
          {
            param: 'max_tokens',
          },
        );
      throw err;
    }
    const { result, store } = reserved;
    if (!result.ok) {
      const index = reservations.findIndex((r) => r.key === result.refusal!.key);
      if (kinds[index] === 'budget')
        throw budgetRefusal(
          budgets.find((b) => b.key === result.refusal!.key)!,
          { reservedMicros: budgetAmount, currentMicros: result.refusal!.current },
          input,
        );
      throw limitRefusal(
        input.limits,
        kinds[index] as LimitKind,
        reservations[index]!,
        result.refusal!.resetMs,
      );
    }
    const holds: Hold[] = reservations
      .filter((r) => !r.windowMs)
      .map((r) => ({ lease: lease.id, key: r.key, amount: r.amount }));
    this.#counters.hold(store, lease, holds);
    let settled = false;
    return {
      headers: rateLimitHeaders(reservations, kinds, result.states),
      settle: async (actual) => {
        if (settled) return;
        settled = true;
        const spent = micros(actual.costUsd ?? 0);
        // The durable record first: whatever Redis does next, the spend reaches the spend table.
        if (spent > 0) for (const budget of budgets) this.#ledger.charge(budget, spent, now);
        const releases: Release[] = [];
        const corrections: CounterDelta[] = [];
        for (let i = 0; i < reservations.length; i++) {
          const r = reservations[i]!;
          if (kinds[i] === 'tpm')
            corrections.push({ key: r.key, delta: actual.tokens - r.amount, windowMs: minuteMs });
          else if (!r.windowMs)
            releases.push({ key: r.key, amount: r.amount, charge: kinds[i] === 'budget' ? spent : 0 });
        }
        await this.#counters.release(store, lease, releases, corrections);
        if (budgets.some(({ rule }) => rule.softThreshold !== undefined))
          await this.#checkThresholds(store, budgets).catch(() => {});
      },
    };
  }

  /** Seeds per budget at most one at a time: a burst on an unseeded budget asks the store once. */
  async #seedOnce(budgets: BudgetInPeriod[]) {
    const values = await Promise.all(
      budgets.map((budget) => {
        let seeding = this.#seeding.get(budget.key);
        if (!seeding) {
          seeding = this.#seedValues([budget])
            .then(([value]) => value!)
            .finally(() => this.#seeding.delete(budget.key));
          this.#seeding.set(budget.key, seeding);
        }
        return seeding;
      }),
    );
    return values;
  }

  /** Budget counters' values from the spend table (plus spend not written yet), with their ttl. */
  async #seedValues(budgets: BudgetInPeriod[]) {
    const now = Date.now();
    const values = await this.#ledger.spent(budgets);
    return budgets.map((budget, i) => {
      const ttlMs = counterTtlMs(budget, now);
      return ttlMs === undefined
        ? { key: budget.key, value: values[i]! }
        : { key: budget.key, value: values[i]!, ttlMs };
    });
  }

  async #checkThresholds(store: CounterStore, budgets: BudgetInPeriod[]): Promise<void> {
    const watched = budgets.filter(({ rule }) => rule.softThreshold !== undefined);
    const values = await store.read(watched.map(({ key }) => key));
    const now = Date.now();
    for (const [i, budget] of watched.entries()) {
      const { rule } = budget;
      if (values[i]! < rule.softThreshold! * rule.limitMicros) continue;
      // One notification per budget and period, across replicas: the first to claim it sends it.
      if (!(await store.claim(`notified:${budget.key}`, counterTtlMs(budget, now) ?? 400 * 86_400_000)))
        continue;
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
}
