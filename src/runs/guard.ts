// Bounds on agent runs. A run is named by the caller (x-gatehouse-run-id, or the MCP session for tool
// calls) within its key's namespace, so one tenant's run id never reaches another's counters. Every
// model call and tool call of a run is one step checked against the bounds of the key's, team's and
// user's rules (the tightest of each applies); the settled cost of model calls is added after them.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatehouseError } from '../core/errors/index.ts';
import type { Principal, RunRule } from '../governance/index.ts';
import type { Bound, CallKind, RunState, RunStateStore, StepLimits } from './state.ts';

export const runHeader = 'x-gatehouse-run-id';
const runIdPattern = /^[\x21-\x7e]{1,200}$/;
const dayMs = 86_400_000;

/** The run id a request names, or undefined; a malformed one is refused naming the header. */
export function runIdOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[runHeader];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !runIdPattern.test(value))
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `${runHeader} must be 1 to 200 printable ASCII characters without spaces.`,
      { param: runHeader },
    );
  return value;
}

/** The run's name in the store: the key's id, then the caller's run id (`key_abc:run-7`). */
export function runKey(principal: Principal | undefined, runId: string): string {
  return `${principal?.keyId ?? 'master'}:${runId}`;
}

interface Tightest {
  limits: StepLimits;
  /** The rule each bound came from, for the refusal's message. */
  from: Partial<Record<Bound, RunRule>>;
  ttlMs: number;
}

const tightestByRules = new WeakMap<readonly RunRule[], Tightest>();

/** The tightest bound of each kind over the rules (built once per principal's rules). */
function tightest(rules: readonly RunRule[]): Tightest {
  let found = tightestByRules.get(rules);
  if (found) return found;
  const limits: StepLimits = {};
  const from: Tightest['from'] = {};
  const take = (bound: Bound, field: keyof StepLimits, value: number | undefined, rule: RunRule) => {
    if (value === undefined) return;
    if (limits[field] === undefined || value < limits[field]) {
      limits[field] = value;
      from[bound] = rule;
    }
  };
  for (const rule of rules) {
    take('max_steps', 'steps', rule.maxSteps, rule);
    take('max_tool_calls', 'toolCalls', rule.maxToolCalls, rule);
    take('max_cost_usd', 'costMicros', rule.maxCostMicros, rule);
    take(
      'max_duration_s',
      'durationMs',
      rule.maxDurationS === undefined ? undefined : rule.maxDurationS * 1000,
      rule,
    );
    take('max_repeats', 'repeats', rule.maxRepeats, rule);
  }
  // A run's counters outlive its last call by a day (and at least its duration bound): an idle run
  // id used again after that starts afresh.
  found = { limits, from, ttlMs: Math.max(dayMs, (limits.durationMs ?? 0) + 3_600_000) };
  tightestByRules.set(rules, found);
  return found;
}

/** A call refused by a run's bound; `bound` names it (`max_steps`, …) for surfaces that carry data. */
export class RunLimitExceeded extends GatehouseError {
  readonly bound: Bound;
  constructor(bound: Bound, message: string) {
    super('GH_RUN_LIMIT_EXCEEDED', message);
    this.bound = bound;
  }
}

function refusal(runId: string, kind: CallKind, bound: Bound, value: number, t: Tightest): RunLimitExceeded {
  const rule = t.from[bound];
  const owner = rule ? ` set by the ${rule.scope} "${rule.name}"` : '';
  const l = t.limits;
  const what: Record<Bound, string> = {
    max_steps: `max_steps: ${l.steps} model calls`,
    max_tool_calls: `max_tool_calls: ${l.toolCalls} tool calls`,
    max_cost_usd: `max_cost_usd: $${(l.costMicros ?? 0) / 1e6} (spent $${value / 1e6})`,
    max_duration_s: `max_duration_s: ${(l.durationMs ?? 0) / 1000} s (running ${Math.floor(value / 1000)} s)`,
    max_repeats: `max_repeats: the same ${kind === 'tool' ? 'tool call' : 'model request'} more than ${l.repeats} times in a row; the loop breaker stopped the run`,
  };
  return new RunLimitExceeded(bound, `The run "${runId}" reached its bound ${what[bound]}${owner}.`);
}

/** A stable fingerprint of a call: the same JSON gives the same hash, whatever its key order. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('base64url').slice(0, 22);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface RunGuardOptions {
  /** Redis unreachable: `closed` refuses calls in runs with bounds (503), `open` lets them through. */
  onFailure: 'open' | 'closed';
  log?: (line: string) => void;
}

export class RunGuard {
  readonly store: RunStateStore;
  readonly #options: RunGuardOptions;

  constructor(store: RunStateStore, options: RunGuardOptions) {
    this.store = store;
    this.#options = options;
  }

  /** Whether the principal's rules bound its runs at all. */
  applies(principal: Principal | undefined): boolean {
    return (principal?.runRules?.length ?? 0) > 0;
  }

  /**
   * Counts one call of the run, or refuses it (GH_RUN_LIMIT_EXCEEDED naming the bound).
   * `describe` gives what the loop breaker compares; it is only computed when a repeat bound applies.
   */
  async step(principal: Principal, runId: string, kind: CallKind, describe: () => unknown): Promise<void> {
    const rules = principal.runRules;
    if (!rules || rules.length === 0) return;
    const t = tightest(rules);
    const input = {
      kind,
      fingerprint: t.limits.repeats ? fingerprint(describe()) : '',
      limits: t.limits,
      ttlMs: t.ttlMs,
    };
    let result: Awaited<ReturnType<RunStateStore['step']>>;
    try {
      result = await this.store.step(runKey(principal, runId), input);
    } catch (err) {
      if (this.#options.onFailure === 'open') {
        this.#options.log?.(
          `run counters unavailable (${(err as Error).message}); run "${runId}" not bounded`,
        );
        return;
      }
      throw new GatehouseError(
        'GH_COUNTERS_UNAVAILABLE',
        'The run bounds cannot be checked: the shared counters are not answering; retry shortly.',
        { retryAfter: 1, cause: err },
      );
    }
    if (!result.ok) throw refusal(runId, kind, result.bound, result.value, t);
  }

  /** Adds a model call's settled cost to its run; never throws into the response path. */
  async charge(principal: Principal, runId: string, costUsd: number | null | undefined): Promise<void> {
    const rules = principal.runRules;
    if (!rules || !costUsd || costUsd <= 0) return;
    try {
      await this.store.addCost(runKey(principal, runId), Math.round(costUsd * 1e6), tightest(rules).ttlMs);
    } catch (err) {
      this.#options.log?.(`run "${runId}": charging its cost failed: ${(err as Error).message}`);
    }
  }

  /** The live counters of a run (`key_abc:run-7`), or null when it has none (no bounds, or expired). */
  read(key: string): Promise<RunState | null> {
    return this.store.read(key);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
