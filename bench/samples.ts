// Latency samples with exact percentiles while they fit, and an unbiased reservoir beyond that,
// so that a long soak keeps its memory bounded without favouring its first minutes.
export interface Percentiles {
  count: number;
  /** Milliseconds; NaN when there were no samples. */
  p50: number;
  p99: number;
}

export class Samples {
  #values: number[] = [];
  #seen = 0;
  #capacity: number;

  constructor(capacity = 1_000_000) {
    this.#capacity = capacity;
  }

  add(value: number): void {
    this.#seen++;
    if (this.#values.length < this.#capacity) {
      this.#values.push(value);
      return;
    }
    const slot = Math.floor(Math.random() * this.#seen);
    if (slot < this.#capacity) this.#values[slot] = value;
  }

  summary(): Percentiles {
    const sorted = Float64Array.from(this.#values).sort();
    return { count: this.#seen, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
