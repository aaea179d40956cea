export type { BreakerPhase, BreakerSettings } from './breaker.ts';
export { complexityFeatures, complexityScore, requestComplexity } from './complexity.ts';
export { type AttemptRecord, type FailoverSettings, runWithFailover, type Served } from './failover.ts';
export { type Caller, RequestFacts } from './facts.ts';
export { type PriceEstimate, Route } from './route.ts';
export { type RouteChoice, Router, type ShadowPlan } from './router.ts';
export { SharedBreakers } from './shared-breakers.ts';
export { type BreakerListener, RoutingState, TargetState } from './state.ts';
export { defaultTimeouts, type Target, TargetResolver } from './targets.ts';
