// Drift detection in the background: every interval_s it reads the request log's recent window and
// the baseline before it (the newest max_samples of each, off the request path), groups them per
// model (as served), route (the model name as called) and team, compares each group's windows and
// keeps the findings for GET /admin/drift, stored as history (history.ts). A group that starts drifting raises an alert through
// the alert channel, naming what moved and by how much; one that stops resolves it.
import type { Kysely } from 'kysely';
import type { DriftConfig } from '../config/drift.ts';
import type { Schema } from '../store/index.ts';
import { compareWindows, type Embed, type MetricResult, type ScoreSample } from './compare.ts';
import { type Demoter, judgeTargets, type TargetVerdict } from './demote.ts';
import { type EventColumns, type Sample, sampleOf } from './features.ts';
import { recordCheck } from './history.ts';
import type { DriftGroup, DriftReport } from './report.ts';

export type { DriftGroup, DriftReport } from './report.ts';

export interface DriftAlert {
  dimension: string;
  value: string;
  /** One line per metric that moved. */
  moved: string[];
}

export interface DriftMonitorOptions {
  config: DriftConfig;
  /**
   * The request log's stores: the default one and each data-residency region's, read alike and
   * merged, so that a team pinned to a region is watched too.
   */
  stores: () => Kysely<Schema>[];
  /** Where checks and findings are kept (the main store); not kept when absent. */
  history?: Kysely<Schema>;
  embed?: Embed;
  /** Scores (feedback, evaluators) given from `from` (until `until`), by request id; none when not given. */
  scores?: (from: number, until?: number) => Promise<Array<ScoreSample & { requestId: string }>>;
  alert: (key: string, firing: boolean, alert: DriftAlert) => void;
  log: (line: string) => void;
  now?: () => number;
  /** Demotes degraded targets through the routing registry (drift.demote enabled). */
  demoter?: Demoter;
}

const columns = [
  'request_id',
  'received_at',
  'model',
  'provider',
  'provider_model',
  'team_id',
  'status',
  'error_code',
  'finish_reason',
  'input_tokens',
  'output_tokens',
  'duration_ms',
  'request_body',
  'response_body',
] as const;

export class DriftMonitor {
  readonly #options: DriftMonitorOptions;
  readonly #now: () => number;
  #report: DriftReport = { checkedAt: null, window: null, baseline: null, groups: [], targets: [] };
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Targets demoted now, by `provider/model`. */
  readonly #demoted = new Set<string>();

  constructor(options: DriftMonitorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get report(): DriftReport {
    return this.#report;
  }

  start(): void {
    if (this.#timer || !this.#options.config.enabled) return;
    this.#timer = setInterval(() => void this.check(), this.#options.config.interval_s * 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One check of every group; the timer calls it, tests and `POST /admin/drift/check` too. */
  async check(): Promise<DriftReport> {
    if (this.#running) return this.#report;
    this.#running = true;
    try {
      this.#report = await this.#check();
      if (this.#options.history)
        await recordCheck(this.#options.history, this.#report, describe).catch((err: Error) =>
          this.#options.log(`drift: the check's findings could not be stored: ${err.message}`),
        );
    } catch (err) {
      this.#options.log(`drift: check failed: ${(err as Error).message}`);
    } finally {
      this.#running = false;
    }
    return this.#report;
  }

  async #check(): Promise<DriftReport> {
    const { config } = this.#options;
    const now = this.#now();
    const recentFrom = now - config.window * 1000;
    const baseFrom = recentFrom - config.baseline * 1000;
    const [baseRows, recentRows] = [
      await this.#rows(baseFrom, recentFrom),
      await this.#rows(recentFrom, now),
    ];
    const [baseScores, recentScores] = this.#options.scores
      ? [await this.#options.scores(baseFrom, recentFrom), await this.#options.scores(recentFrom)]
      : [[], []];
    const base = groupsOf(baseRows);
    const recent = groupsOf(recentRows);
    const keys = [...recent.keys()]
      .sort((a, b) => recent.get(b)!.length - recent.get(a)!.length)
      .slice(0, config.max_groups);
    const groups: DriftGroup[] = [];
    for (const key of keys) {
      const [dimension, value] = splitKey(key);
      const b = base.get(key) ?? [];
      const r = recent.get(key)!;
      const metrics = await compareWindows({
        baseline: b,
        recent: r,
        baselineScores: scoresOf(baseScores, b),
        recentScores: scoresOf(recentScores, r),
        thresholds: config.thresholds,
        minSamples: config.min_samples,
        ...(this.#options.embed ? { embed: this.#options.embed } : {}),
      });
      const moved = metrics.filter((m) => m.drifted);
      groups.push({ dimension, value, drifted: moved.length > 0, metrics });
      this.#options.alert(`drift:${key}`, moved.length > 0, { dimension, value, moved: moved.map(describe) });
    }
    const targets = this.#demote(recentRows, recentScores);
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      targets,
      checkedAt: iso(now),
      window: { from: iso(recentFrom), to: iso(now) },
      baseline: { from: iso(baseFrom), to: iso(recentFrom) },
      groups,
    };
  }

  /** Demotes degraded targets, restores those that recovered (or can no longer be judged). */
  #demote(rows: EventColumns[], scores: Array<ScoreSample & { requestId: string }>): TargetVerdict[] {
    const { demoter } = this.#options;
    const settings = this.#options.config.demote;
    if (!demoter || !settings.enabled) return [];
    const samples = rows.flatMap((row) =>
      row.provider && row.provider_model
        ? [{ ...sampleOf(row), provider: row.provider, model: row.provider_model }]
        : [],
    );
    const verdicts = judgeTargets(samples, scores, settings);
    // Held for two intervals, renewed by every check that finds it still degraded.
    const holdMs = this.#options.config.interval_s * 2000;
    const degraded = new Set<string>();
    for (const v of verdicts) {
      if (!v.degraded) continue;
      const key = `${v.provider}/${v.model}`;
      degraded.add(key);
      demoter.demote(v.provider, v.model, holdMs);
      this.#demoted.add(key);
      this.#options.alert(`demote:${key}`, true, {
        dimension: 'target',
        value: key,
        moved: [...v.reasons, 'demoted: its circuit breaker is held open'],
      });
    }
    for (const key of [...this.#demoted]) {
      if (degraded.has(key)) continue;
      const at = key.indexOf('/');
      demoter.restore(key.slice(0, at), key.slice(at + 1));
      this.#demoted.delete(key);
      this.#options.alert(`demote:${key}`, false, { dimension: 'target', value: key, moved: [] });
    }
    return verdicts.map((v) => ({ ...v, demoted: degraded.has(`${v.provider}/${v.model}`) }));
  }

  /** The newest max_samples of the window, across every store. */
  async #rows(from: number, to: number): Promise<EventColumns[]> {
    const max = this.#options.config.max_samples;
    const all: EventColumns[] = [];
    for (const db of this.#options.stores())
      all.push(
        ...((await db
          .selectFrom('request_events')
          .select(columns)
          .where('received_at', '>=', from)
          .where('received_at', '<', to)
          .where('surface', 'not in', ['gateway', 'internal'])
          .orderBy('received_at', 'desc')
          .limit(max)
          .execute()) as EventColumns[]),
      );
    if (all.length <= max) return all;
    return all.sort((a, b) => Number(b.received_at) - Number(a.received_at)).slice(0, max);
  }
}

type Grouped = Map<string, Sample[]>;

function groupsOf(rows: EventColumns[]): Grouped {
  const groups: Grouped = new Map();
  const add = (key: string, sample: Sample) => {
    const list = groups.get(key);
    if (list) list.push(sample);
    else groups.set(key, [sample]);
  };
  for (const row of rows) {
    const sample = sampleOf(row);
    if (row.provider_model) add(`model\u0000${row.provider_model}`, sample);
    if (row.model) add(`route\u0000${row.model}`, sample);
    if (row.team_id) add(`team\u0000${row.team_id}`, sample);
  }
  return groups;
}

function splitKey(key: string): [DriftGroup['dimension'], string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at) as DriftGroup['dimension'], key.slice(at + 1)];
}

function scoresOf(scores: Array<ScoreSample & { requestId: string }>, samples: Sample[]): ScoreSample[] {
  if (scores.length === 0) return [];
  const ids = new Set(samples.map((s) => s.requestId));
  return scores.filter((s) => ids.has(s.requestId)).map(({ name, value }) => ({ name, value }));
}

/** `input_tokens: median 150 → 260 (KS D 0.62)`. */
export function describe(m: MetricResult): string {
  const b = m.baseline;
  const r = m.recent;
  if ('p50' in b && 'p50' in r) {
    const extra = m.centroidDistance === undefined ? '' : `, centroid distance ${m.centroidDistance}`;
    return `${m.metric}: median ${b.p50} → ${r.p50}, mean ${b.mean} → ${r.mean} (KS D ${m.statistic}${extra})`;
  }
  if ('rate' in b && 'rate' in r) return `${m.metric}: ${pct(b.rate)} → ${pct(r.rate)}`;
  if ('shares' in b && 'shares' in r) {
    const keys = new Set([...Object.keys(b.shares), ...Object.keys(r.shares)]);
    const changes = [...keys]
      .map((k) => ({ k, delta: (r.shares[k] ?? 0) - (b.shares[k] ?? 0) }))
      .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta))
      .slice(0, 3)
      .map(({ k }) => `${k} ${pct(b.shares[k] ?? 0)} → ${pct(r.shares[k] ?? 0)}`);
    return `${m.metric}: ${changes.join(', ')} (PSI ${m.statistic})`;
  }
  return m.metric;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
