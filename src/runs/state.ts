// A run's counters: when it began, its model calls (steps), tool calls and settled cost, and the
// last call of each kind with how many times in a row it came. One atomic `step` checks every bound
// and counts the call, so replicas sharing Redis never let two calls through past a bound.

export type CallKind = 'model' | 'tool';
export type Bound = 'max_steps' | 'max_tool_calls' | 'max_cost_usd' | 'max_duration_s' | 'max_repeats';

/** The bounds of one call; 0 or absent bounds nothing. */
export interface StepLimits {
  steps?: number | undefined;
  toolCalls?: number | undefined;
  costMicros?: number | undefined;
  durationMs?: number | undefined;
  repeats?: number | undefined;
}

export interface StepInput {
  kind: CallKind;
  /** The call's fingerprint for the loop breaker ('' when no repeat bound applies). */
  fingerprint: string;
  limits: StepLimits;
  /** How long the run's counters live after its last call. */
  ttlMs: number;
}

export type StepResult =
  | { ok: true }
  /** `value`: what the bound was measured at (calls, micro-dollars, ms, repeats). */
  | { ok: false; bound: Bound; value: number };

export interface RunState {
  startedAt: number;
  steps: number;
  toolCalls: number;
  costMicros: number;
  /** The bound that stopped the run for good (the loop breaker), if any. */
  stopped: Bound | null;
}

export interface RunStateStore {
  step(run: string, input: StepInput): Promise<StepResult>;
  addCost(run: string, micros: number, ttlMs: number): Promise<void>;
  read(run: string): Promise<RunState | null>;
  close(): Promise<void>;
}

interface Entry extends RunState {
  last: Record<CallKind, string>;
  repeats: Record<CallKind, number>;
  expires: number;
}

/** The decision of one step over a run's state, shared by the memory store and (as Lua) Redis's. */
function decide(entry: Entry, input: StepInput, now: number): StepResult {
  const { limits, kind } = input;
  if (entry.stopped) return { ok: false, bound: entry.stopped, value: entry.repeats[kind] };
  const elapsed = now - entry.startedAt;
  if (limits.durationMs && elapsed > limits.durationMs)
    return { ok: false, bound: 'max_duration_s', value: elapsed };
  if (limits.costMicros && entry.costMicros >= limits.costMicros)
    return { ok: false, bound: 'max_cost_usd', value: entry.costMicros };
  if (kind === 'model' && limits.steps && entry.steps >= limits.steps)
    return { ok: false, bound: 'max_steps', value: entry.steps };
  if (kind === 'tool' && limits.toolCalls && entry.toolCalls >= limits.toolCalls)
    return { ok: false, bound: 'max_tool_calls', value: entry.toolCalls };
  if (input.fingerprint !== '') {
    const repeats = entry.last[kind] === input.fingerprint ? entry.repeats[kind] + 1 : 1;
    if (limits.repeats && repeats > limits.repeats) {
      entry.stopped = 'max_repeats';
      return { ok: false, bound: 'max_repeats', value: repeats - 1 };
    }
    entry.last[kind] = input.fingerprint;
    entry.repeats[kind] = repeats;
  }
  if (kind === 'model') entry.steps++;
  else entry.toolCalls++;
  return { ok: true };
}

/** Runs counted in this process: a single gateway without Redis. */
export function createMemoryRunStore(options: { now?: () => number } = {}): RunStateStore {
  const now = options.now ?? Date.now;
  const runs = new Map<string, Entry>();
  const live = (run: string, at: number): Entry | undefined => {
    const entry = runs.get(run);
    if (entry && entry.expires <= at) {
      runs.delete(run);
      return undefined;
    }
    return entry;
  };
  const sweep = (at: number) => {
    if (runs.size >= 10_000) for (const [run, entry] of runs) if (entry.expires <= at) runs.delete(run);
  };
  return {
    async step(run, input) {
      const at = now();
      sweep(at);
      let entry = live(run, at);
      if (!entry) {
        entry = {
          startedAt: at,
          steps: 0,
          toolCalls: 0,
          costMicros: 0,
          stopped: null,
          last: { model: '', tool: '' },
          repeats: { model: 0, tool: 0 },
          expires: at + input.ttlMs,
        };
        runs.set(run, entry);
      }
      entry.expires = Math.max(entry.expires, at + input.ttlMs);
      return decide(entry, input, at);
    },
    async addCost(run, micros, ttlMs) {
      const at = now();
      const entry = live(run, at);
      if (!entry) return;
      entry.costMicros += micros;
      entry.expires = Math.max(entry.expires, at + ttlMs);
    },
    async read(run) {
      const entry = live(run, now());
      if (!entry) return null;
      const { startedAt, steps, toolCalls, costMicros, stopped } = entry;
      return { startedAt, steps, toolCalls, costMicros, stopped };
    },
    async close() {
      runs.clear();
    },
  };
}
