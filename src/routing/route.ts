// A set of targets and the strategy that picks the first of them for each request. The strategy
// picks only the first target; the others follow in their configured order as fallbacks. Every order
// a request can get is built once (target i first, then the rest), so choosing allocates nothing.
import type { StrategyName } from '../config/schema.ts';
import type { Target } from './targets.ts';

/** Estimated USD of a request on a target's prices; null when the price is unknown. */
export type PriceEstimate = (
  providerType: string,
  model: string,
  inputTokens: number,
  outputTokens: number,
) => number | null;

/** What least_cost needs of the request. */
export interface RouteCost {
  inputTokens: number;
  outputTokens: number;
}

/** A latency sample older than this no longer counts as known: the target is tried again. */
export const staleLatencyMs = 60_000;

export class Route {
  readonly targets: readonly Target[];
  readonly strategy: StrategyName;
  readonly #orders: ReadonlyArray<readonly Target[]>;
  readonly #exploration: number;
  readonly #price: PriceEstimate | undefined;
  /** Where least_busy starts looking, so that ties rotate rather than all go to the first target. */
  #cursor = 0;

  constructor(
    targets: readonly Target[],
    strategy: StrategyName,
    options: { exploration?: number; price?: PriceEstimate } = {},
  ) {
    this.targets = targets;
    this.strategy = targets.length < 2 ? 'ordered' : strategy;
    this.#exploration = options.exploration ?? 0.05;
    this.#price = options.price;
    this.#orders = targets.map((first) => [first, ...targets.filter((t) => t !== first)]);
  }

  /** Whether the order depends on the request's size (least_cost needs its token estimate). */
  get needsCost(): boolean {
    return this.strategy === 'least_cost';
  }

  /** The targets in the order to try them. `now` is performance.now(); `cost` only for least_cost. */
  order(now: number, cost?: RouteCost, random = Math.random): readonly Target[] {
    switch (this.strategy) {
      case 'ordered':
        return this.targets;
      case 'weighted':
        return this.#orders[this.#weighted(now, random())]!;
      case 'least_latency':
        return this.#orders[this.#fastest(now, random)]!;
      case 'least_cost':
        return this.#orders[this.#cheapest(now, cost)]!;
      case 'least_busy':
        return this.#orders[this.#idlest(now)]!;
    }
  }

  /** A target drawn by weight among those whose breaker lets calls through. */
  #weighted(now: number, draw: number): number {
    const targets = this.targets;
    let total = 0;
    for (const t of targets) if (usable(t, now)) total += t.weight;
    // None usable: the configured order, which failover skips through (and answers circuit_open).
    if (total === 0) return 0;
    let point = draw * total;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (!usable(t, now)) continue;
      point -= t.weight;
      if (point < 0) return i;
    }
    return 0;
  }

  /**
   * The lowest average latency; a target with no recent sample first (so a recovered one is tried
   * again), and now and then (exploration) one drawn at random so that every average stays current.
   */
  #fastest(now: number, random: () => number): number {
    const targets = this.targets;
    if (this.#exploration > 0 && random() < this.#exploration) {
      const start = Math.floor(random() * targets.length);
      for (let k = 0; k < targets.length; k++) {
        const i = (start + k) % targets.length;
        if (usable(targets[i]!, now)) return i;
      }
      return 0;
    }
    let best = -1;
    let bestMs = Number.POSITIVE_INFINITY;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (!usable(t, now)) continue;
      const ms = t.state.ewmaMs;
      if (ms === undefined || now - t.state.sampledAt > staleLatencyMs) return i;
      if (ms < bestMs) {
        bestMs = ms;
        best = i;
      }
    }
    return best < 0 ? 0 : best;
  }

  /** The lowest estimated cost; an unknown price counts as dearer than any known one. */
  #cheapest(now: number, cost: RouteCost | undefined): number {
    const price = this.#price;
    if (!price || !cost) return 0;
    const targets = this.targets;
    let best = -1;
    let bestUsd = Number.POSITIVE_INFINITY;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i]!;
      if (!usable(t, now)) continue;
      const usd = price(t.providerType, t.model, cost.inputTokens, cost.outputTokens) ?? Number.MAX_VALUE;
      if (best < 0 || usd < bestUsd) {
        bestUsd = usd;
        best = i;
      }
    }
    return best < 0 ? 0 : best;
  }

  /** The fewest calls in flight; ties go round, starting one further each time. */
  #idlest(now: number): number {
    const targets = this.targets;
    const n = targets.length;
    const start = this.#cursor;
    this.#cursor = (start + 1) % n;
    let best = -1;
    let fewest = Number.POSITIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const t = targets[i]!;
      if (!usable(t, now)) continue;
      if (t.state.inFlight < fewest) {
        fewest = t.state.inFlight;
        best = i;
      }
    }
    return best < 0 ? 0 : best;
  }
}

function usable(target: Target, now: number): boolean {
  return target.breaker === undefined || target.state.breaker.available(now);
}
