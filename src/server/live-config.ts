// The configuration a running gateway serves, and how it changes without a restart: the watched
// file (and SIGHUP), or with the database as the source, PUT /admin/config and rollbacks that every
// replica picks up by polling. A new version is validated exactly as `gatehouse config check` does;
// an invalid one is refused and the serving version stays. New requests take the new version;
// requests in flight finish on the one they started with (app.ts reads `current` once per request).
import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import { ConfigError, configHash, configWarnings, maskConfigText, parseConfigText } from '../config/index.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { GatehouseError } from '../core/errors/index.ts';
import type { Lifecycle } from '../core/lifecycle/index.ts';
import type { Logger } from '../telemetry/index.ts';
import { Trial, type Verdict } from './config-canary.ts';
import {
  buildRuntime,
  type ConfigRuntime,
  restartOnlyChanges,
  retireRuntime,
  type SharedState,
} from './config-runtime.ts';
import { ConfigMetrics, postCanaryAlert, watchConfigFile } from './config-signals.ts';
import type { ConfigVersions, InitialVersion, VersionRow, VersionSource } from './config-versions.ts';

import type { SourceOfTruth } from './config-versions.ts';

export type { SourceOfTruth };

export interface ReloadOutcome {
  outcome: 'applied' | 'canary' | 'unchanged' | 'refused';
  version: string;
  problems?: string[];
  restart_required?: string[];
}

export interface LiveConfigOptions {
  initial: InitialVersion;
  /** The watched file (file source), or the file that seeded the database. */
  file?: string;
  sourceOfTruth: SourceOfTruth;
  versions: ConfigVersions;
  shared: SharedState;
  lifecycle: Lifecycle;
  registry: Registry;
  logger: Logger;
}

export class LiveConfig {
  /** The version new requests start on; with a trial running, its `trial` picks per request. */
  current: ConfigRuntime;
  readonly #options: LiveConfigOptions;
  #row: VersionRow;
  #text: string;
  #trialRow: VersionRow | undefined;
  #trialText = '';
  #seenId: number;
  #restartRequired: string[] = [];
  #lastError: { at: number; problems: string[]; source: string } | undefined;
  /** Changes are applied one at a time, in the order they arrive. */
  #queue: Promise<unknown> = Promise.resolve();
  #watcher: { close(): void } | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #trialTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #metrics: ConfigMetrics;

  constructor(runtime: ConfigRuntime, options: LiveConfigOptions) {
    this.current = runtime;
    this.#options = options;
    this.#row = options.initial.row;
    this.#text = options.initial.text;
    this.#seenId = options.initial.row.id;
    this.#metrics = new ConfigMetrics(options.registry);
    this.#showVersions();
    const { reload } = runtime.config;
    const file = options.file;
    if (options.sourceOfTruth === 'file' && file && reload.watch)
      this.#watcher = watchConfigFile(
        file,
        reload.debounce_ms,
        () =>
          void this.reload().catch((err: unknown) =>
            options.logger.warn(`Reloading ${file} failed: ${(err as Error).message}`),
          ),
        (line) => options.logger.warn(line),
      );
    if (options.sourceOfTruth === 'database') {
      this.#pollTimer = setInterval(() => void this.poll(), reload.poll_s * 1000);
      this.#pollTimer.unref();
    }
  }

  /** Only trials are ever set on a runtime: the request path sees them through TrialSplit. */
  get #trial(): Trial | undefined {
    return this.current.trial as Trial | undefined;
  }

  get sourceOfTruth(): SourceOfTruth {
    return this.#options.sourceOfTruth;
  }

  /** Reads the file again (SIGHUP, a change seen by the watcher); with the database as the source, polls it now. */
  reload(): Promise<ReloadOutcome> {
    return this.#serially(async () => {
      if (this.#options.sourceOfTruth === 'database') return this.#pollOnce();
      const file = this.#options.file;
      if (!file) return { outcome: 'unchanged', version: this.current.version };
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        return this.#refuse(
          file,
          'file',
          `${file} is not a valid Gatehouse configuration:\n  - cannot read the file: ${(err as Error).message}`,
          [`cannot read the file: ${(err as Error).message}`],
          undefined,
        );
      }
      const hash = configHash(text);
      if ((hash === this.#row.hash && !this.#trialRow) || hash === this.#trialRow?.hash) {
        // The file is back to what serves: a refusal before it no longer describes the file.
        this.#lastError = undefined;
        return { outcome: 'unchanged', version: this.current.version };
      }
      let config: GatehouseConfig;
      try {
        config = parseConfigText(text, file);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return this.#refuse(file, 'file', err.message, err.problems, text);
      }
      // Valid but probably not meant (no providers, no models): applied, as at start, with the warning.
      for (const warning of configWarnings(config, file)) this.#options.logger.warn(warning);
      const row = await this.#options.versions.add({
        text,
        source: 'file',
        actor: 'file',
        status: 'applied',
        keepText: false,
      });
      return this.#apply(text, config, row);
    });
  }

  /** With the database as the source: looks for a newer version (the poll timer calls this). */
  poll(): Promise<ReloadOutcome> {
    return this.#serially(() => this.#pollOnce()).catch((err: unknown) => {
      this.#options.logger.warn(`Looking for a new configuration version failed: ${(err as Error).message}`);
      return { outcome: 'unchanged' as const, version: this.current.version };
    });
  }

  /** PUT /admin/config: validates, stores (audited) and applies; other replicas follow by polling. */
  put(text: string, actor: string): Promise<ReloadOutcome> {
    this.#refuseUnlessDatabase();
    const config = validated(text, 'The configuration');
    return this.#serially(async () => {
      const row = await this.#options.versions.add({
        text,
        source: 'api',
        actor,
        status: 'applied',
        keepText: true,
        audit: true,
      });
      this.#seenId = Math.max(this.#seenId, row.id);
      return this.#apply(text, config, row);
    });
  }

  /** POST /admin/config/versions/{id}/rollback: the text of an earlier version, stored again as the newest. */
  async rollback(id: number, actor: string): Promise<ReloadOutcome> {
    this.#refuseUnlessDatabase();
    const earlier = await this.#options.versions.get(id);
    if (earlier.text === null)
      throw new GatehouseError(
        'GH_CONFLICT',
        `Configuration version ${id} was read from a file, so its text is not stored; only versions stored with the database as the source can be rolled back to.`,
      );
    const config = validated(earlier.text, `Configuration version ${id}`);
    return this.#serially(async () => {
      const row = await this.#options.versions.add({
        text: earlier.text!,
        source: 'rollback',
        actor,
        status: 'applied',
        keepText: true,
        audit: true,
        note: `rolled back to version ${id}`,
      });
      this.#seenId = Math.max(this.#seenId, row.id);
      return this.#apply(earlier.text!, config, row);
    });
  }

  /** GET /admin/config. */
  status() {
    const trial = this.#trial;
    return {
      version: versionSummary(this.#row),
      source_of_truth: this.#options.sourceOfTruth,
      file: this.#options.file ?? null,
      text: maskConfigText(this.#text),
      restart_required: this.#restartRequired,
      canary:
        trial && this.#trialRow
          ? {
              version: versionSummary(this.#trialRow),
              percent: trial.settings.percent,
              sticky_by: trial.settings.sticky_by,
              started_at: new Date(trial.startedAt).toISOString(),
              window_s: trial.settings.window_s,
              ...trial.numbers(),
            }
          : null,
      last_error: this.#lastError
        ? {
            at: new Date(this.#lastError.at).toISOString(),
            source: this.#lastError.source,
            problems: this.#lastError.problems,
          }
        : null,
    };
  }

  /** What /readyz says of the configuration. */
  readiness(): Record<string, unknown> {
    return {
      version: this.current.version,
      version_id: this.#row.id,
      source: this.#options.sourceOfTruth,
      canary: this.#trial?.candidate.version ?? null,
      last_error: this.#lastError ? this.#lastError.problems.join('; ') : null,
    };
  }

  /** Decides a running trial now if its window has passed (the trial timer calls this; so do tests). */
  async decideTrial(now = Date.now()): Promise<Verdict | undefined> {
    return this.#serially(async () => {
      const trial = this.#trial;
      const verdict = trial?.verdict(now);
      if (!trial || !verdict) return undefined;
      if (verdict.outcome === 'promote') await this.#promote(trial, verdict);
      else await this.#rollBackTrial(trial, verdict);
      return verdict;
    });
  }

  close(): void {
    this.#watcher?.close();
    clearInterval(this.#pollTimer);
    this.#endTrialWatch();
    const trial = this.#trial;
    if (trial) retireRuntime(trial.candidate);
    retireRuntime(this.current);
  }

  async #pollOnce(): Promise<ReloadOutcome> {
    const wanted = await this.#options.versions.wanted();
    if (!wanted || wanted.id === this.#seenId || wanted.text === null)
      return { outcome: 'unchanged', version: this.current.version };
    this.#seenId = wanted.id;
    let config: GatehouseConfig;
    try {
      config = parseConfigText(wanted.text, `configuration version ${wanted.id}`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // Valid where it was stored, invalid here: this replica's environment lacks something it names.
      return this.#refuse(`version ${wanted.id}`, wanted.source, err.message, err.problems, undefined);
    }
    return this.#apply(wanted.text, config, wanted);
  }

  async #refuse(
    where: string,
    source: string,
    message: string,
    problems: string[],
    text: string | undefined,
  ): Promise<ReloadOutcome> {
    this.#lastError = { at: Date.now(), problems, source };
    this.#metrics.count('refused');
    this.#options.logger.error(
      `${message}\nThe configuration was not reloaded: version ${this.current.version} keeps serving.`,
    );
    if (text !== undefined)
      await this.#options.versions
        .add({
          text,
          source: 'file',
          actor: 'file',
          status: 'refused',
          keepText: false,
          note: problems.join('\n'),
        })
        .catch((err: unknown) =>
          this.#options.logger.warn(
            `Recording the refused version of ${where} failed: ${(err as Error).message}`,
          ),
        );
    return { outcome: 'refused', version: this.current.version, problems };
  }

  async #apply(text: string, config: GatehouseConfig, row: VersionRow): Promise<ReloadOutcome> {
    const { logger, shared } = this.#options;
    const serving = this.current;
    // A newer version replaces one still on trial: the trial ends without a verdict.
    if (serving.trial) this.#dropTrial(serving, `version ${row.id} replaced it before its verdict`);
    if (row.hash === serving.version) {
      this.#row = row;
      this.#text = text;
      this.#showVersions();
      return { outcome: 'unchanged', version: serving.version };
    }
    let candidate: ConfigRuntime;
    try {
      candidate = await buildRuntime(config, row.hash, shared);
    } catch (err) {
      // With the database as the source the version is the fleet's: this replica alone refuses it.
      if (this.#options.sourceOfTruth === 'file')
        await this.#options.versions.setStatus(row.id, 'refused', (err as Error).message);
      return this.#refuse(
        `version ${row.id}`,
        row.source,
        `Configuration version ${row.id} could not be built: ${(err as Error).message}`,
        [(err as Error).message],
        undefined,
      );
    }
    this.#lastError = undefined;
    const restart = restartOnlyChanges(serving.config, config);
    if (restart.length > 0)
      logger.warn(
        `Configuration version ${row.hash} changes ${restart.join(', ')}, which take effect only after a restart; the rest applies now.`,
      );
    const canary = serving.config.reload.canary;
    if (canary.enabled) {
      const trial = new Trial(serving, candidate, canary);
      this.#trialRow = row;
      this.#trialText = text;
      this.#watchTrial(trial);
      serving.trial = trial;
      await this.#options.versions.setStatus(row.id, 'canary', undefined, 'applied');
      this.#metrics.count('canary');
      logger.info(
        `Configuration version ${row.hash} is on trial: ${canary.percent}% of requests for at least ${canary.window_s} s against ${serving.version}.`,
      );
      this.#showVersions();
      return { outcome: 'canary', version: row.hash, restart_required: restart };
    }
    this.current = candidate;
    this.#row = row;
    this.#text = text;
    this.#restartRequired = restart;
    retireRuntime(serving);
    this.#metrics.count('applied');
    this.#showVersions();
    logger.info(`Configuration version ${row.hash} applied (${row.source}); it serves new requests.`);
    return { outcome: 'applied', version: row.hash, restart_required: restart };
  }

  async #promote(trial: Trial, verdict: Verdict): Promise<void> {
    this.#endTrialWatch();
    const row = this.#trialRow!;
    trial.stable.trial = undefined;
    this.#restartRequired = restartOnlyChanges(trial.stable.config, trial.candidate.config);
    this.current = trial.candidate;
    this.#row = { ...row, status: 'applied' };
    this.#text = this.#trialText;
    this.#trialRow = undefined;
    retireRuntime(trial.stable);
    await this.#options.versions.setStatus(row.id, 'applied', `canary: ${verdict.reason}`, 'canary');
    this.#metrics.count('promoted');
    this.#showVersions();
    this.#options.logger.info(
      `Configuration version ${row.hash} promoted after its trial: ${verdict.reason}.`,
    );
  }

  async #rollBackTrial(trial: Trial, verdict: Verdict): Promise<void> {
    const row = this.#trialRow!;
    this.#dropTrial(trial.stable, `canary: ${verdict.reason}`);
    this.#metrics.count('rolled_back');
    this.#options.logger.error(
      `Configuration version ${row.hash} rolled back after its trial, ${verdict.reason}; ${trial.stable.version} keeps serving.`,
    );
    await this.#options.versions.setStatus(row.id, 'rolled_back', `canary: ${verdict.reason}`, 'canary');
    if (this.#options.sourceOfTruth === 'database') {
      // Other replicas follow: the serving text is stored again as the newest version — unless the
      // fleet has moved past the trial already (another replica's rollback, or a newer version).
      const wanted = await this.#options.versions.wanted();
      if (!wanted || wanted.id < row.id) {
        const back = await this.#options.versions.add({
          text: this.#text,
          source: 'rollback',
          actor: 'canary',
          status: 'applied',
          keepText: true,
          audit: true,
          note: `canary rolled back version ${row.id}: ${verdict.reason}`,
        });
        this.#row = back;
        this.#seenId = Math.max(this.#seenId, back.id);
      }
    }
    postCanaryAlert(this.current.config, row, verdict, (line) => this.#options.logger.warn(line));
  }

  #dropTrial(serving: ConfigRuntime, why: string): void {
    const trial = serving.trial as Trial | undefined;
    if (!trial) return;
    serving.trial = undefined;
    this.#endTrialWatch();
    retireRuntime(trial.candidate);
    const row = this.#trialRow;
    this.#trialRow = undefined;
    if (row && !why.startsWith('canary:'))
      void this.#options.versions.setStatus(row.id, 'rolled_back', why, 'canary').catch(() => undefined);
    this.#showVersions();
  }

  #watchTrial(trial: Trial): void {
    this.#unsubscribe = this.#options.lifecycle.subscribe({
      requestEnded: ({ record }) => trial.observe(record),
    });
    this.#trialTimer = setInterval(() => {
      this.decideTrial().catch((err: unknown) =>
        this.#options.logger.warn(`Deciding the configuration trial failed: ${(err as Error).message}`),
      );
    }, 1_000);
    this.#trialTimer.unref();
  }

  #endTrialWatch(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#trialTimer);
    this.#trialTimer = undefined;
  }

  #showVersions(): void {
    this.#metrics.show(this.current.version, this.#trial?.candidate.version);
  }

  #refuseUnlessDatabase(): void {
    if (this.#options.sourceOfTruth === 'database') return;
    throw new GatehouseError(
      'GH_CONFLICT',
      `The configuration file${this.#options.file ? ` (${this.#options.file})` : ''} is the source of truth on this gateway: edit the file (it is reloaded when it changes, or on SIGHUP), or start with GATEHOUSE_CONFIG_SOURCE=database (or reload.source: database) to change it through the admin API.`,
    );
  }

  #serially<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(step, step);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function versionSummary(row: VersionRow) {
  return {
    id: row.id,
    hash: row.hash,
    source: row.source as VersionSource,
    actor: row.actor,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** The text as a configuration, or the 400 `config check` would give, naming the first bad path. */
function validated(text: string, subject: string): GatehouseConfig {
  try {
    return parseConfigText(text, subject);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const first = err.problems[0] ?? '';
    const path = /^([\w.[\]-]+):/.exec(first)?.[1];
    throw new GatehouseError('GH_INVALID_REQUEST', err.message, path ? { param: path } : {});
  }
}
