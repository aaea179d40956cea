export interface Reservation {
  /** Counter key, e.g. `rl:key:key_1:rpm` or `budget:team:team_1:month:1793491200000`. */
  key: string;
  /** Amount to add: requests, tokens, in-flight slots or micro-dollars. An integer. */
  amount: number;
  limit: number;
  /** Fixed window length for rpm/tpm counters; the counter starts afresh at each window. */
  windowMs?: number;
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
  /** Per reservation, in order: the value after adding, and the time to the window's reset. */
  states: Array<{ key: string; value: number; resetMs?: number }>;
}

export interface CounterDelta {
  key: string;
  delta: number;
  windowMs?: number;
}

export interface CounterStore {
  /** All or nothing: adds every amount only if every counter stays within its limit. */
  reserve(reservations: Reservation[]): Promise<ReserveResult>;
  /** Adds signed deltas (settling, releasing); a counter never goes below zero. */
  adjust(deltas: CounterDelta[]): Promise<void>;
  /** Current values of counters without a window (0 when absent). */
  read(keys: string[]): Promise<number[]>;
  /** Sets a counter only if it does not exist yet (spend loaded from the database). */
  seed(key: string, value: number): Promise<void>;
  close(): Promise<void>;
}
