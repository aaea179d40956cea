// The order of the stages, declared once. Every route — chat on either surface, embeddings,
// count_tokens — runs through all of them; a stage that has nothing to do for an operation passes it
// on. docs/pipeline.md describes the interface and how to add a stage, and lists this order
// (stages.test.ts holds the two together).
//
//   record        notes what was asked and, when the answer is over, what was answered
//   authorise     may this caller use this model; its targets (data-residency region applied)
//   admit         rate limits and budgets reserved before; usage and cost settled after, always
//   run           a call naming an agent run is recorded in it, checked against the run's bounds
//                 and the loop breaker, and its cost added to the run (nothing without the header)
//   [guard input] slot: checks or rewrites the request (PII, secrets, deny-lists), or refuses it
//   [cache]       slot: answers from a cache, or stores what the call answered
//   [guard output] slot: checks or rewrites the answer (a result, or a stream chunk by chunk)
//   call          routes to the targets with retries and failover, and answers
//
// The slots are empty until something fills them: a stage is plugged in through `StageSlots`
// (built from configuration by whoever starts the gateway), never by editing a route.
import type { FailoverSettings } from '../routing/index.ts';
import { type Admitter, admitStage } from './admit.ts';
import { authoriseStage, type TargetPolicy } from './authorise.ts';
import type { BodyLogging } from './bodies.ts';
import { callStage } from './call.ts';
import type { RequestContext } from './context.ts';
import { recordStage } from './record.ts';
import type { ShadowCost } from './shadow.ts';
import { runStage } from './run.ts';
import type { Stage } from './stage.ts';

/** Stages plugged into the slots, each list run in its order. */
export interface StageSlots {
  guardInput?: readonly Stage[];
  cache?: readonly Stage[];
  guardOutput?: readonly Stage[];
}

/** What the built-in stages are made from. */
export interface StageDeps {
  bodyLogging(ctx: RequestContext): BodyLogging;
  policy: TargetPolicy;
  admitter: Admitter;
  providerType(name: string | undefined): string | undefined;
  failover: FailoverSettings;
  /** Whether the call keeps what it answered, for the backstops against plugged-in stages (runtime.ts). */
  backstops: boolean;
  /** Prices an experiment's shadow calls. */
  shadowCost?: ShadowCost;
}

export function pipelineStages(deps: StageDeps, slots: StageSlots = {}): Stage[] {
  return [
    recordStage(deps.bodyLogging),
    authoriseStage(deps.policy),
    admitStage(deps.admitter, deps.providerType),
    runStage(deps.admitter, deps.providerType),
    ...(slots.guardInput ?? []),
    ...(slots.cache ?? []),
    ...(slots.guardOutput ?? []),
    callStage(deps.failover, deps.backstops, deps.shadowCost),
  ];
}
