// What routing learns about each target while it serves: its circuit breaker, its recent latency
// (EWMA) and how many calls are in flight. Kept in a registry keyed by the target's identity
// (provider name + model), not by configuration objects, so that a configuration rebuilt on reload
// is handed the same registry and keeps what was learnt: an open breaker stays open.
import type { BreakerSettings } from './breaker.ts';
import { Breaker } from './breaker.ts';

/** Weight of the newest sample in the latency average. */
const ewmaAlpha = 0.3;
const maxTargets = 10_000;

export class TargetState {
  readonly provider: string;
  readonly model: string;
  /** Where transitions are announced. */
  readonly registry: RoutingState;
  readonly breaker = new Breaker();
  inFlight = 0;
  /** Milliseconds: time to the first event for streams, to the complete answer otherwise. */
  ewmaMs: number | undefined;
  /** performance.now() of the last latency sample. */
  sampledAt = 0;
  served = 0;
  failed = 0;

  constructor(registry: RoutingState, provider: string, model: string) {
    this.registry = registry;
    this.provider = provider;
    this.model = model;
  }

  observeLatency(ms: number, now: number): void {
    this.ewmaMs = this.ewmaMs === undefined ? ms : this.ewmaMs + ewmaAlpha * (ms - this.ewmaMs);
    this.sampledAt = now;
  }
}

/** Hears breaker transitions (metrics, the shared store across replicas). */
export interface BreakerListener {
  opened(state: TargetState, settings: BreakerSettings): void;
  closed(state: TargetState): void;
  /** A failure counted locally, for a store that counts across replicas. */
  failed?(state: TargetState, settings: BreakerSettings): void;
}

export class RoutingState {
  readonly #targets = new Map<string, TargetState>();
  #listeners: BreakerListener[] = [];
  /** Run when the gateway stops (health checks' timers). */
  readonly #closers: Array<() => void> = [];

  /** The state of one target, created on first use; the same object for the life of the process. */
  target(provider: string, model: string): TargetState {
    const id = `${provider}/${model}`;
    let state = this.#targets.get(id);
    if (!state) {
      state = new TargetState(this, provider, model);
      // Callers name provider/model targets themselves: past a bound, those are not remembered.
      if (this.#targets.size < maxTargets) this.#targets.set(id, state);
    }
    return state;
  }

  find(provider: string, model: string): TargetState | undefined {
    return this.#targets.get(`${provider}/${model}`);
  }

  all(): IterableIterator<TargetState> {
    return this.#targets.values();
  }

  listen(listener: BreakerListener): () => void {
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** A call succeeded: close a half-open breaker, note the latency. */
  succeeded(state: TargetState, latencyMs: number, now: number): void {
    state.served++;
    state.observeLatency(latencyMs, now);
    if (state.breaker.succeeded()) for (const l of this.#listeners) l.closed(state);
  }

  /** An active health check succeeded: a breaker that was not closed closes. */
  checked(state: TargetState): void {
    if (state.breaker.succeeded()) for (const l of this.#listeners) l.closed(state);
  }

  /** Runs `close` when the gateway stops. */
  onClose(close: () => void): void {
    this.#closers.push(close);
  }

  /** Stops what runs in the background (health checks): the gateway is stopping. */
  close(): void {
    for (const close of this.#closers.splice(0)) close();
  }

  /** A call failed with a retryable error: count it, perhaps open the breaker. */
  failed(state: TargetState, settings: BreakerSettings | undefined, now: number): void {
    state.failed++;
    if (!settings) return;
    for (const l of this.#listeners) l.failed?.(state, settings);
    if (state.breaker.failed(settings, now)) for (const l of this.#listeners) l.opened(state, settings);
  }
}
