export { type AttemptRecord, type FailoverSettings, runWithFailover, type Served } from './failover.ts';
export { defaultTimeouts, type Target, TargetResolver } from './targets.ts';
