// What the live configuration watches and what it tells: the file (watched through its directory),
// the metrics that say which version serves, and the alert a rolled-back canary sends.
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatehouseConfig } from '../config/schema.ts';
import { postWebhook } from '../governance/index.ts';
import type { Verdict } from './config-canary.ts';
import type { VersionRow } from './config-versions.ts';

/**
 * Calls `onChange` once the file has stopped changing for debounceMs. The directory is watched, not
 * the file: editors save by writing a new file and renaming it over the old one, and orchestrators
 * swap a symlink (`..data` in a Kubernetes ConfigMap), either of which ends a watch on the file.
 */
export function watchConfigFile(
  file: string,
  debounceMs: number,
  onChange: () => void,
  warn: (line: string) => void,
): { close(): void } {
  const name = basename(file);
  let pending: NodeJS.Timeout | undefined;
  try {
    const watcher = watch(dirname(file), (_event, changed) => {
      if (changed !== null && changed !== name && !changed.startsWith('..')) return;
      clearTimeout(pending);
      pending = setTimeout(onChange, debounceMs);
      pending.unref();
    });
    watcher.unref();
    watcher.on('error', (err) => warn(`Watching ${file} stopped: ${err.message}; SIGHUP still reloads it.`));
    return {
      close() {
        clearTimeout(pending);
        watcher.close();
      },
    };
  } catch (err) {
    warn(`Cannot watch ${file} (${(err as Error).message}); SIGHUP reloads it.`);
    return { close() {} };
  }
}

export type ReloadMetricOutcome = 'applied' | 'refused' | 'canary' | 'promoted' | 'rolled_back';

export class ConfigMetrics {
  readonly #info: Gauge<'hash' | 'state'>;
  readonly #reloads: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.#info = new Gauge({
      name: 'gatehouse_config_version_info',
      help: 'The configuration version this replica serves (state "serving"), and one on trial (state "canary").',
      labelNames: ['hash', 'state'],
      registers: [registry],
    });
    this.#reloads = new Counter({
      name: 'gatehouse_config_reloads_total',
      help: 'New configuration versions by outcome: applied, refused, canary, promoted, rolled_back.',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  show(serving: string, canary: string | undefined): void {
    this.#info.reset();
    this.#info.set({ hash: serving, state: 'serving' }, 1);
    if (canary !== undefined) this.#info.set({ hash: canary, state: 'canary' }, 1);
  }

  count(outcome: ReloadMetricOutcome): void {
    this.#reloads.inc({ outcome });
  }
}

/** The alert channel's shape (telemetry/alerts.ts): Slack-compatible `text`, and the alert's fields. */
export function postCanaryAlert(
  config: GatehouseConfig,
  row: VersionRow,
  verdict: Verdict,
  warn: (line: string) => void,
): void {
  const url = config.alerts.webhook_url ?? config.governance.webhook_url;
  if (!url) return;
  const text = `Gatehouse: configuration version ${row.hash} was rolled back after its canary trial, ${verdict.reason}.`;
  void postWebhook(
    url,
    {
      text,
      alert: {
        kind: 'config_canary_rolled_back',
        version: row.hash,
        version_id: row.id,
        serving: verdict.stable.version,
        reason: verdict.reason,
        stable: verdict.stable,
        candidate: verdict.candidate,
        status: 'firing',
        at: new Date().toISOString(),
      },
    },
    warn,
  );
}
