// Drift detection's public surface: the monitor built from the `drift:` block, or nothing when the
// block is absent or disabled (a capability not configured adds nothing).
import type { GatehouseConfig } from '../config/schema.ts';
import type { Schema } from '../store/index.ts';
import type { Kysely } from 'kysely';
import type { Demoter } from './demote.ts';
import { type EmbeddingsCall, embedderFor } from './embed.ts';
import { listScores } from '../quality/scores.ts';
import { type DriftAlert, DriftMonitor } from './monitor.ts';

export type { Demoter } from './demote.ts';
export { DriftMonitor, type DriftReport, type DriftGroup } from './monitor.ts';
export { type Finding, keepDays, latestCheck, listFindings } from './history.ts';
export type { MetricResult } from './compare.ts';

/** The alert channel (telemetry/alerts.ts Alerts.raise), when a webhook is configured. */
export interface DriftAlertChannel {
  raise(key: string, firing: boolean, alert: { kind: 'drift' } & DriftAlert): void;
}

export function driftFromConfig(
  config: GatehouseConfig,
  deps: {
    /** The request log's stores: the default one and every data-residency region's. */
    stores: () => Kysely<Schema>[];
    /** The main store, where scores (feedback, evaluators) are kept, and drift's history. */
    scoresDb?: Kysely<Schema>;
    embeddings?: EmbeddingsCall;
    alerts?: DriftAlertChannel | undefined;
    /** The routing registry, for demotion (drift.demote). */
    demoter?: Demoter;
    log: (line: string) => void;
  },
): DriftMonitor | undefined {
  const settings = config.drift;
  if (!settings?.enabled) return undefined;
  const embed = embedderFor(settings.embedding_model, deps.embeddings);
  const firing = new Set<string>();
  return new DriftMonitor({
    config: settings,
    stores: deps.stores,
    ...(deps.scoresDb ? { history: deps.scoresDb } : {}),
    ...(embed ? { embed } : {}),
    ...(deps.scoresDb ? { scores: scoresFrom(deps.scoresDb) } : {}),
    log: deps.log,
    ...(deps.demoter ? { demoter: deps.demoter } : {}),
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

/**
 * Scores given in a window, matched to the window's requests by request id. Scores arrive after
 * their answer (feedback much later), so the recent window's scores are read up to now, the
 * baseline's up to the recent window's start; the newest 1000 of each (listScores' bound) are a
 * sample, as the requests are.
 */
function scoresFrom(db: Kysely<Schema>) {
  return async (from: number, until?: number) =>
    (await listScores(db, { since: from, ...(until === undefined ? {} : { until }), limit: 1000 })).map(
      (s) => ({
        requestId: s.requestId,
        name: s.name,
        value: s.value,
      }),
    );
}
