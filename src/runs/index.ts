// Agent runs: the bounds on each run (steps, tool calls, cost, duration) and the loop breaker, applied
// to model calls by the pipeline's `run` stage and to tool calls by the MCP gateway's hook; the run's
// timeline is read from the request log (timeline.ts).
export {
  fingerprint,
  RunGuard,
  type RunGuardOptions,
  RunLimitExceeded,
  runHeader,
  runIdOf,
  runKey,
} from './guard.ts';
export { runHook } from './hook.ts';
export { recordToolCallRuns } from './tool-records.ts';
export { createRedisRunStore } from './redis-state.ts';
export {
  type Bound,
  type CallKind,
  createMemoryRunStore,
  type RunState,
  type RunStateStore,
} from './state.ts';
