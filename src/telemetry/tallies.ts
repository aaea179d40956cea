// Counters and histograms for what every request observes. Observing adds to plain numbers kept per
// label set; the registry reads them when scraped. prom-client hashes and checks the label set on
// every increment or observation, which was most of what recording a request's metrics cost
// (measured in docs/performance.md, "What makes it fast").
import { Counter, type LabelValues, type Registry } from 'prom-client';

interface Definition<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registers: Registry[];
}

/** Label sets are kept for the process's life, as prom-client keeps its series. */
class LabelSets<L extends string, T> {
  readonly #names: readonly L[];
  readonly #sets = new Map<string, { labels: LabelValues<L>; value: T }>();
  readonly #create: () => T;

  constructor(names: readonly L[], create: () => T) {
    this.#names = names;
    this.#create = create;
  }

  get(labels: LabelValues<L>): T {
    const key = this.#names.map((name) => labels[name]).join('\u0000');
    let set = this.#sets.get(key);
    if (!set) {
      set = { labels, value: this.#create() };
      this.#sets.set(key, set);
    }
    return set.value;
  }

  entries(): IterableIterator<{ labels: LabelValues<L>; value: T }> {
    return this.#sets.values();
  }
}

/** What one label set has counted since the registry last read it. */
export interface TallyCount {
  value: number;
}

/** A counter: add to `count(labels).value`; the sums reach prom-client when the registry is read. */
export class TallyCounter<L extends string> {
  readonly #sets: LabelSets<L, TallyCount>;

  constructor(definition: Definition<L>) {
    const sets = new LabelSets<L, TallyCount>(definition.labelNames, () => ({ value: 0 }));
    this.#sets = sets;
    new Counter({
      ...definition,
      collect() {
        for (const { labels, value: count } of sets.entries()) {
          if (count.value === 0) continue;
          this.inc(labels, count.value);
          count.value = 0;
        }
      },
    });
  }

  count(labels: LabelValues<L>): TallyCount {
    return this.#sets.get(labels);
  }
}

/** One label set of a histogram: observations per bucket (the last past every bound), their sum. */
export interface TallyBuckets {
  counts: number[];
  sum: number;
}

/** A histogram with fixed upper bounds, exposed in the Prometheus format prom-client's own writes. */
export class TallyHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #sets: LabelSets<L, TallyBuckets>;

  constructor(definition: Definition<L> & { buckets: readonly number[] }) {
    this.name = definition.name;
    this.help = definition.help;
    this.#bounds = definition.buckets;
    this.#sets = new LabelSets(definition.labelNames, () => ({
      counts: new Array<number>(definition.buckets.length + 1).fill(0),
      sum: 0,
    }));
    for (const registry of definition.registers) registry.registerMetric(this as never);
  }

  buckets(labels: LabelValues<L>): TallyBuckets {
    return this.#sets.get(labels);
  }

  observe(buckets: TallyBuckets, value: number): void {
    let i = 0;
    while (i < this.#bounds.length && value > this.#bounds[i]!) i++;
    buckets.counts[i]!++;
    buckets.sum += value;
  }

  /** Registry.resetMetrics(): every label set back to no observations. */
  reset(): void {
    for (const { value } of this.#sets.entries()) {
      value.counts.fill(0);
      value.sum = 0;
    }
  }

  /** Read by the registry: cumulative buckets with `le`, then `_sum` and `_count`, per label set. */
  get() {
    const values: Array<{ metricName: string; labels: LabelValues<string>; value: number }> = [];
    for (const { labels, value } of this.#sets.entries()) {
      let seen = 0;
      this.#bounds.forEach((bound, i) => {
        seen += value.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...labels }, value: seen });
      });
      seen += value.counts[this.#bounds.length]!;
      values.push(
        { metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: seen },
        { metricName: `${this.name}_sum`, labels, value: value.sum },
        { metricName: `${this.name}_count`, labels, value: seen },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
