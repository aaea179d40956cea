// The calibration's numbers as Prometheus metrics, read from the layer when /metrics is scraped:
// gatehouse_cache_semantic_calibration_samples{model, team, outcome="agreed"|"false_hit"}. Models
// are the names clients asked for among configured ones; teams are ids from the admin API.
import { Gauge, type Registry } from 'prom-client';
import type { SemanticCache } from './layer.ts';

export function watchCalibration(cache: SemanticCache, registry: Registry): void {
  new Gauge({
    name: 'gatehouse_cache_semantic_calibration_samples',
    help: 'Would-be semantic hits sampled for calibration since start, by whether the fresh answer agreed with the cached one.',
    labelNames: ['model', 'team', 'outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const row of cache.calibrationReport()) {
        this.set({ model: row.model, team: row.team, outcome: 'agreed' }, row.samples - row.falseHits);
        this.set({ model: row.model, team: row.team, outcome: 'false_hit' }, row.falseHits);
      }
    },
  });
}
