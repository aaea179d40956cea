// Drift detection's public surface: the monitor built from the `drift:` block, or nothing when the
// block is absent or disabled (a capability not configured adds nothing).
import type { GatehouseConfig } from '../config/schema.ts';
import type { Schema } from '../store/index.ts';
import type { Kysely } from 'kysely';
import { type EmbeddingsCall, embedderFor } from './embed.ts';
import { type DriftAlert, DriftMonitor } from './monitor.ts';

export { DriftMonitor, type DriftReport, type DriftGroup } from './monitor.ts';

/** The alert channel (telemetry/alerts.ts Alerts.raise), when a webhook is configured. */
export interface DriftAlertChannel {
  raise(key: string, firing: boolean, alert: { kind: 'drift' } & DriftAlert): void;
}

export function driftFromConfig(
  config: GatehouseConfig,
  deps: {
    db: () => Kysely<Schema>;
    embeddings?: EmbeddingsCall;
    alerts?: DriftAlertChannel | undefined;
    log: (line: string) => void;
  },
): DriftMonitor | undefined {
  const settings = config.drift;
  if (!settings?.enabled) return undefined;
  const embed = embedderFor(settings.embedding_model, deps.embeddings);
  const firing = new Set<string>();
  return new DriftMonitor({
    config: settings,
    db: deps.db,
    ...(embed ? { embed } : {}),
    log: deps.log,
    alert: (key, isFiring, alert) => {
      if (deps.alerts) deps.alerts.raise(key, isFiring, { kind: 'drift', ...alert });
      // Without a webhook the log is the channel: a line when a group starts and stops drifting.
      else if (isFiring && !firing.has(key))
        deps.log(`drift on ${alert.dimension} "${alert.value}": ${alert.moved.join('; ')}`);
      else if (!isFiring && firing.has(key)) deps.log(`${alert.dimension} "${alert.value}" no longer drifts`);
      if (isFiring) firing.add(key);
      else firing.delete(key);
    },
  });
}
