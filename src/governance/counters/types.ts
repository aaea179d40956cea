export interface Reservation {
  /** Counter key, e.g. `rl:key:key_1:rpm` or `budget:team:team_1:month:1793491200000`. */
  key: string;
  /** Amount to add: requests, tokens, in-flight slots or micro-dollars. An integer. */
  amount: number;
  limit: number;
  /**
   * Fixed window length for rpm/tpm counters; the counter starts afresh at each window. A counter
   * without a window (concurrency, budget) holds its amount under the admission's lease instead,
   * so what a dead replica held expires with the lease.
   */
  windowMs?: number;
  /**
   * The counter also carries a settled value loaded from the database (budgets): it is not counted
   * while that value is absent (never loaded, or lost in a Redis flush); `unseeded` names it.
   */
  seeded?: boolean;
}

/** One admission's hold on counters without a window: its id names the owner replica. */
export interface Lease {
  id: string;
  ttlMs: number;
}

export interface Refusal {
  key: string;
  limit: number;
  current: number;
  /** Milliseconds until the window resets, for windowed counters. */
  resetMs?: number;
}

export interface ReserveResult {
  ok: boolean;
  /** When refused: the first counter that would exceed its limit. Nothing was added to any counter. */
  refusal?: Refusal;
  /** When refused because settled values must be loaded first: their keys. Nothing was added. */
  unseeded?: string[];
  /** Per reservation, in order: the value after adding, and the time to the window's reset. */
  states: Array<{ key: string; value: number; resetMs?: number }>;
}

/** Ends a lease's hold on a counter; `charge` is added to its settled value (actual spend). */
export interface Release {
  key: string;
  amount: number;
  charge?: number;
}

/** A lease's hold on one counter, as the heartbeat renews it. */
export interface Hold {
  lease: string;
  key: string;
  amount: number;
}

export interface CounterDelta {
  key: string;
  delta: number;
  windowMs: number;
}

export interface CounterStore {
  /** All or nothing: adds every amount only if every counter stays within its limit. */
  reserve(lease: Lease, reservations: Reservation[]): Promise<ReserveResult>;
  /**
   * Idempotent: ends the lease's holds and adds each charge only where the lease still held the
   * counter; the window corrections (actual tokens against the reservation) go with the first
   * release that found the lease. A lease that expired first changes nothing here: its charge
   * reaches the counter through the database (`raise`).
   */
  release(lease: Lease, releases: Release[], corrections: CounterDelta[]): Promise<void>;
  /**
   * The heartbeat: extends the leases of calls still in flight by their ttl (never one that has
   * already expired), and reports this replica alive. Returns how many replicas are alive.
   */
  renew(replica: string, ttlMs: number, holds: Hold[]): Promise<number>;
  /** Current values of counters without a window: settled plus held (0 when absent). */
  read(keys: string[]): Promise<number[]>;
  /**
   * Sets each settled value to at least `value` (database spend): seeds an absent counter, and
   * restores one that lost writes. Never lowers a counter, which may hold spend not yet written.
   */
  raise(values: Array<{ key: string; value: number; ttlMs?: number }>): Promise<void>;
  /** True the first time a key is claimed within ttl, across replicas (one notification per period). */
  claim(key: string, ttlMs: number): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
