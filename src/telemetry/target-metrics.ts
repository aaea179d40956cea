// Metrics of routing's view of each target: its circuit breaker, average latency and calls in
// flight, read when Prometheus scrapes, and breaker transitions as they happen. The targets come
// from the configuration (and provider/model names callers used directly, which routing bounds).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface TargetReading {
  provider: string;
  model: string;
  /** 0 closed, 1 half-open, 2 open. */
  breaker: number;
  inFlight: number;
  ewmaMs: number | undefined;
}

export interface TargetMetrics {
  /** A breaker changed state: to 'open', 'half_open' or 'closed'. */
  transition(provider: string, model: string, to: string): void;
}

export function watchTargets(registry: Registry, read: () => Iterable<TargetReading>): TargetMetrics {
  const labelNames = ['provider', 'model'] as const;
  const each = (set: (labels: { provider: string; model: string }, r: TargetReading) => void) => () => {
    for (const r of read()) set({ provider: r.provider, model: r.model }, r);
  };
  new Gauge({
    name: 'gatehouse_target_breaker_state',
    help: 'Circuit breaker of each target: 0 closed, 1 half-open (probing), 2 open (skipped).',
    labelNames,
    registers: [registry],
    collect() {
      each((labels, r) => this.set(labels, r.breaker))();
    },
  });
  new Gauge({
    name: 'gatehouse_target_in_flight',
    help: 'Calls in flight to each target (streams until they end).',
    labelNames,
    registers: [registry],
    collect() {
      each((labels, r) => this.set(labels, r.inFlight))();
    },
  });
  new Gauge({
    name: 'gatehouse_target_latency_ewma_seconds',
    help: 'Recent average latency of each target (time to first event for streams), as least_latency sees it.',
    labelNames,
    registers: [registry],
    collect() {
      each((labels, r) => {
        if (r.ewmaMs !== undefined) this.set(labels, r.ewmaMs / 1000);
      })();
    },
  });
  const transitions = new Counter({
    name: 'gatehouse_breaker_transitions_total',
    help: 'Circuit breaker changes of state, by target and the state entered.',
    labelNames: ['provider', 'model', 'to'] as const,
    registers: [registry],
  });
  return {
    transition(provider, model, to) {
      transitions.inc({ provider, model, to });
    },
  };
}
