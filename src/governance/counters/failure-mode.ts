// Shared counters with a declared failure mode. While Redis answers, every reservation goes there
// (seeding budgets from the database when their settled value is absent) and the heartbeat keeps
// the leases of calls in flight alive. When Redis fails or does not answer within its command
// timeout, the deployment's choice applies for the next `probeMs`, after which one request tries
// Redis again:
//   closed — refuse with 503 and Retry-After (limits and budgets cannot be checked, so not served);
//   open   — count in this process instead, each limit divided by the number of replicas, and each
//            budget's remaining amount (as last seen in Redis, or in the database) divided likewise.
import { GatehouseError } from '../../core/errors/index.ts';
import { createMemoryCounterStore } from './memory.ts';
import type {
  CounterDelta,
  CounterStore,
  Hold,
  Lease,
  Release,
  Reservation,
  ReserveResult,
} from './types.ts';

export type OnFailure = 'open' | 'closed';

/** A budget's settled value as the database has it, to seed a counter with. */
export type SeedValues = (keys: string[]) => Promise<Array<{ key: string; value: number; ttlMs?: number }>>;

export interface Reserved {
  result: ReserveResult;
  /** The store that holds the lease: the settlement goes back to it. */
  store: CounterStore;
}

export interface FailureModeOptions {
  onFailure: OnFailure;
  /** Replicas sharing the limits; undefined: counted from the replicas' heartbeats. */
  replicas?: number | undefined;
  leaseTtlMs: number;
  replica: string;
  /** How long after a failure requests skip Redis before one tries it again. */
  probeMs?: number;
  log?: (line: string) => void;
}

export class CountersWithFailureMode {
  readonly #shared: CounterStore;
  readonly #options: FailureModeOptions;
  readonly #probeMs: number;
  #downUntil = 0;
  /** When Redis last answered a reservation or a heartbeat. */
  #answeredAt = 0;
  #lastError = '';
  #local: CounterStore | undefined;
  #liveReplicas = 1;
  /** Budget counters' values as last seen in Redis: the starting point when counting locally. */
  readonly #known = new Map<string, number>();
  /** Leases of calls in flight, renewed by the heartbeat. */
  readonly #holds = new Map<string, { store: CounterStore; holds: Hold[] }>();
  readonly #retries = new Set<NodeJS.Timeout>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(shared: CounterStore, options: FailureModeOptions) {
    this.#shared = shared;
    this.#options = options;
    this.#probeMs = options.probeMs ?? 1_000;
    this.#heartbeat = setInterval(() => void this.renew(), Math.max(100, Math.floor(options.leaseTtlMs / 3)));
    this.#heartbeat.unref();
    void this.renew();
  }

  get replica(): string {
    return this.#options.replica;
  }

  get shared(): CounterStore {
    return this.#shared;
  }

  /** Replicas sharing the limits: configured, or counted from heartbeats (at least 1). */
  get replicas(): number {
    return this.#options.replicas ?? Math.max(1, this.#liveReplicas);
  }

  /** Empty while Redis answers; else why it does not. */
  get failure(): string {
    return Date.now() < this.#downUntil ? this.#lastError : '';
  }

  async reserve(lease: Lease, reservations: Reservation[], seed: SeedValues): Promise<Reserved> {
    if (Date.now() >= this.#downUntil) {
      const started = Date.now();
      try {
        const result = await this.#reserveShared(lease, reservations, seed);
        this.#answeredAt = Date.now();
        this.#recovered();
        return { result, store: this.#shared };
      } catch (err) {
        if (err instanceof GatehouseError || err instanceof RangeError) throw err;
        // A reservation that timed out may still have been made: give it back (idempotent).
        const held = reservations.filter((r) => !r.windowMs).map((r) => ({ key: r.key, amount: r.amount }));
        this.#shared.release(lease, held, []).catch(() => {});
        // Under a burst one command can outlast the timeout while others are answered: only
        // silence since this call began means Redis itself is away.
        if (this.#answeredAt < started) this.#trip(err);
      }
    }
    if (this.#options.onFailure === 'closed') throw this.#unavailable();
    return { result: await this.#reserveLocally(lease, reservations, seed), store: this.#local! };
  }

  /** Holds the lease's counters until `release`, renewed by the heartbeat meanwhile. */
  hold(store: CounterStore, lease: Lease, holds: Hold[]): void {
    if (holds.length > 0) this.#holds.set(lease.id, { store, holds });
  }

  /**
   * Ends the lease: tried once now, then retried in the background while the lease could still
   * hold anything. A release that never lands costs nothing lasting: the lease expires.
   */
  async release(
    store: CounterStore,
    lease: Lease,
    releases: Release[],
    corrections: CounterDelta[],
  ): Promise<void> {
    this.#holds.delete(lease.id);
    const attempt = async (list = releases) => {
      try {
        await store.release(lease, list, corrections);
        return true;
      } catch (err) {
        if (store === this.#shared) this.#trip(err);
        return false;
      }
    };
    if ((await attempt()) || releases.length === 0) return;
    // A retry ends the holds but charges nothing: by the time it lands the spend may have reached
    // the spend table and the counter through reconciliation, and must not be counted twice.
    const uncharged = releases.map(({ key, amount }) => ({ key, amount }));
    // Only a release that ends holds is idempotent (the lease is the token), so only it is retried.
    const retry = (delays: number[]) => {
      if (delays.length === 0) return;
      const timer = setTimeout(async () => {
        this.#retries.delete(timer);
        if (!(await attempt(uncharged))) retry(delays.slice(1));
      }, delays[0]);
      timer.unref();
      this.#retries.add(timer);
    };
    retry([250, 1_000, 4_000].filter((d) => d < lease.ttlMs));
  }

  /** The heartbeat: renews the leases in flight and reports this replica alive. */
  async renew(): Promise<void> {
    const byStore = new Map<CounterStore, Hold[]>();
    for (const { store, holds } of this.#holds.values()) {
      const list = byStore.get(store) ?? [];
      list.push(...holds);
      byStore.set(store, list);
    }
    for (const [store, holds] of byStore)
      if (store !== this.#shared) await store.renew(this.replica, this.#options.leaseTtlMs, holds);
    try {
      this.#liveReplicas = await this.#shared.renew(
        this.replica,
        this.#options.leaseTtlMs,
        byStore.get(this.#shared) ?? [],
      );
      this.#answeredAt = Date.now();
      this.#recovered();
    } catch (err) {
      this.#trip(err);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const timer of this.#retries) clearTimeout(timer);
    await this.#local?.close();
  }

  async #reserveShared(lease: Lease, reservations: Reservation[], seed: SeedValues): Promise<ReserveResult> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.#shared.reserve(lease, reservations);
      if (!result.unseeded) {
        if (result.ok)
          for (let i = 0; i < reservations.length; i++) {
            const r = reservations[i]!;
            if (r.seeded) this.#remember(r.key, result.states[i]!.value - r.amount);
          }
        return result;
      }
      if (attempt === 2) throw new Error('budget counters vanished while being seeded');
      await this.#shared.raise(await this.#seedValues(result.unseeded, seed));
    }
  }

  async #reserveLocally(lease: Lease, reservations: Reservation[], seed: SeedValues): Promise<ReserveResult> {
    this.#local ??= createMemoryCounterStore();
    const seeded = reservations.filter((r) => r.seeded).map((r) => r.key);
    const unknown = seeded.filter((key) => !this.#known.has(key));
    if (unknown.length > 0)
      for (const { key, value } of await this.#seedValues(unknown, seed)) this.#remember(key, value);
    await this.#local.raise(seeded.map((key) => ({ key, value: this.#known.get(key)! })));
    const replicas = this.replicas;
    const share = (room: number) => Math.max(1, Math.floor(room / replicas));
    return this.#local.reserve(
      lease,
      reservations.map((r) => {
        const known = r.seeded ? this.#known.get(r.key)! : 0;
        return { ...r, limit: known + share(r.limit - known) };
      }),
    );
  }

  /** Seed values from the database; a store that does not answer leaves the counters unknown. */
  async #seedValues(keys: string[], seed: SeedValues) {
    try {
      return await seed(keys);
    } catch (err) {
      throw new GatehouseError(
        'GH_STORE_UNAVAILABLE',
        'Budgets cannot be checked: their spend could not be read from the store; retry shortly.',
        { retryAfter: 1, cause: err },
      );
    }
  }

  #remember(key: string, value: number): void {
    if (this.#known.size >= 10_000 && !this.#known.has(key)) this.#known.clear();
    this.#known.set(key, value);
  }

  /**
   * Redis answered: counting is shared again. Each outage counts locally afresh (the fleet's use of
   * the current window is not known here), so the local counters are dropped; calls admitted by
   * them still release into them.
   */
  #recovered(): void {
    if (this.#downUntil === 0) return;
    this.#downUntil = 0;
    this.#local = undefined;
    this.#options.log?.('Redis answers again: counters are shared across replicas again.');
  }

  #trip(err: unknown): void {
    const first = this.#downUntil === 0;
    this.#downUntil = Date.now() + this.#probeMs;
    this.#lastError = err instanceof Error ? err.message : String(err);
    if (first) {
      this.#options.log?.(
        `WARNING: Redis failed (${this.#lastError}); counters ${this.#options.onFailure === 'closed' ? 'refuse requests with limits or budgets (fail closed)' : `are counted per replica, limits divided by ${this.replicas} (fail open)`} until it answers again.`,
      );
    }
  }

  #unavailable(): GatehouseError {
    return new GatehouseError(
      'GH_COUNTERS_UNAVAILABLE',
      'Rate limits and budgets cannot be checked right now; retry shortly.',
      { retryAfter: Math.max(1, Math.ceil(this.#probeMs / 1000)) },
    );
  }
}
