// A configuration version on trial (reload.canary): it serves a hashed slice of model requests
// beside the version it would replace, and both are measured from the records of the requests they
// served. The verdict compares error rate, p95 latency and mean cost per request over the window.
import type { CanaryConfig } from '../config/schema.ts';
import type { RequestRecord } from '../core/records/index.ts';
import type { ConfigRuntime } from './config-runtime.ts';

export interface VersionNumbers {
  version: string;
  requests: number;
  errors: number;
  error_rate: number;
  p95_ms: number | null;
  mean_cost_usd: number;
}

export interface Verdict {
  outcome: 'promote' | 'roll_back';
  /** Why, in a sentence: each measure that failed, with both numbers. */
  reason: string;
  stable: VersionNumbers;
  candidate: VersionNumbers;
}

/** Kept per version: enough for the rates, and the latest latencies for the p95. */
class Tally {
  requests = 0;
  errors = 0;
  cost = 0;
  readonly latencies: number[] = [];
  add(record: RequestRecord): void {
    this.requests++;
    if (failedByConfiguration(record)) this.errors++;
    this.cost += record.costUsd ?? 0;
    if (record.durationMs !== undefined) {
      if (this.latencies.length >= 50_000) this.latencies.shift();
      this.latencies.push(record.durationMs);
    }
  }
  numbers(version: string): VersionNumbers {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const p95 =
      sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
    return {
      version,
      requests: this.requests,
      errors: this.errors,
      error_rate: this.requests === 0 ? 0 : this.errors / this.requests,
      p95_ms: p95 === null ? null : Math.round(p95 * 10) / 10,
      mean_cost_usd: this.requests === 0 ? 0 : this.cost / this.requests,
    };
  }
}

/**
 * What a configuration can cause: the gateway's and upstreams' failures and unknown models. A
 * caller's bad input, its limits and its leaving are the caller's, and are not counted.
 */
function failedByConfiguration(record: RequestRecord): boolean {
  if (record.status === 499) return false;
  const code = record.errorCode;
  return record.status >= 500 || code === 'GH_MODEL_NOT_FOUND' || (code?.startsWith('GH_UPSTREAM_') ?? false);
}

export class Trial {
  readonly stable: ConfigRuntime;
  readonly candidate: ConfigRuntime;
  readonly settings: CanaryConfig;
  readonly startedAt: number;
  readonly #threshold: number;
  readonly #byKey: boolean;
  readonly #tallies: { stable: Tally; candidate: Tally } = { stable: new Tally(), candidate: new Tally() };

  constructor(stable: ConfigRuntime, candidate: ConfigRuntime, settings: CanaryConfig, now = Date.now()) {
    this.stable = stable;
    this.candidate = candidate;
    this.settings = settings;
    this.startedAt = now;
    this.#threshold = Math.floor((settings.percent / 100) * 0x1_0000_0000);
    this.#byKey = settings.sticky_by === 'key';
  }

  /** The version a request runs on: the same request id (or key) always lands on the same side. */
  pick(requestId: string, keyId: string | undefined): ConfigRuntime {
    const by = this.#byKey && keyId !== undefined ? keyId : requestId;
    return fnv1a(by, this.candidate.version) < this.#threshold ? this.candidate : this.stable;
  }

  /** Counts a finished model request of either version. */
  observe(record: RequestRecord): void {
    if (record.surface === 'gateway' || record.model === undefined) return;
    if (record.configVersion === this.candidate.version) this.#tallies.candidate.add(record);
    else if (record.configVersion === this.stable.version) this.#tallies.stable.add(record);
  }

  numbers(): { stable: VersionNumbers; candidate: VersionNumbers } {
    return {
      stable: this.#tallies.stable.numbers(this.stable.version),
      candidate: this.#tallies.candidate.numbers(this.candidate.version),
    };
  }

  /** Undefined until the window has passed and the candidate has served min_requests. */
  verdict(now = Date.now()): Verdict | undefined {
    const { stable, candidate } = this.numbers();
    if (now - this.startedAt < this.settings.window_s * 1000) return undefined;
    if (candidate.requests < this.settings.min_requests) return undefined;
    const worse: string[] = [];
    const allowedErrors = stable.error_rate + this.settings.max_error_rate_increase;
    if (candidate.error_rate > allowedErrors)
      worse.push(`error rate ${pct(candidate.error_rate)} against ${pct(stable.error_rate)}`);
    // Without requests on the serving version there is no baseline for latency and cost.
    if (stable.requests > 0) {
      if (candidate.p95_ms !== null && stable.p95_ms !== null) {
        // A millisecond of slack: sub-millisecond p95s would otherwise differ by noise alone.
        if (candidate.p95_ms > stable.p95_ms * this.settings.max_p95_ratio + 1)
          worse.push(`p95 latency ${candidate.p95_ms} ms against ${stable.p95_ms} ms`);
      }
      if (candidate.mean_cost_usd > stable.mean_cost_usd * this.settings.max_cost_ratio + 1e-9)
        worse.push(
          `mean cost $${candidate.mean_cost_usd.toFixed(6)} against $${stable.mean_cost_usd.toFixed(6)}`,
        );
    }
    return worse.length > 0
      ? {
          outcome: 'roll_back',
          reason: `worse than ${stable.version}: ${worse.join('; ')}`,
          stable,
          candidate,
        }
      : { outcome: 'promote', reason: `no worse than ${stable.version}`, stable, candidate };
  }
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** 32-bit FNV-1a of the text salted with the version, so each trial draws a fresh slice. */
function fnv1a(text: string, salt: string): number {
  let hash = 0x811c9dc5;
  const input = `${salt}:${text}`;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
