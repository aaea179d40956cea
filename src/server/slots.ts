// The stages configuration plugs into the pipeline's slots (docs/pipeline.md): guardrails on the
// request and on the answer, and the response cache. Each capability that is configured adds its
// stages here; one that is not adds nothing, so it costs nothing per request. Stages a caller of
// startGateway passes (tests, embedders) run after the configured ones in each slot.
import { cacheStage, type ResponseCache } from '../cache/index.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import { GuardrailPolicy, guardrailInputStage, guardrailOutputStage } from '../guardrails/index.ts';
import type { InternalCalls, StageSlots } from '../pipeline/index.ts';

/** What the configured stages may need of the running gateway. */
export interface SlotDeps {
  log(line: string): void;
  /** The gateway's own model calls (a judge, embeddings), through the pipeline and on the record. */
  calls: InternalCalls;
  /** The response cache, when the configuration has a `cache:` block. */
  cache?: ResponseCache | undefined;
}

export function configuredSlots(config: GatehouseConfig, deps: SlotDeps, extra: StageSlots = {}): StageSlots {
  const slots: { guardInput: Stage[]; cache: Stage[]; guardOutput: Stage[] } = {
    guardInput: [],
    cache: [],
    guardOutput: [],
  };
  // Guardrails: a stage per side (request, answer) only when some configured guardrail looks there.
  if (Object.keys(config.guardrails).length > 0) {
    const policy = new GuardrailPolicy(config, { calls: deps.calls });
    if (policy.covers('request')) slots.guardInput.push(guardrailInputStage(policy));
    if (policy.covers('answer')) slots.guardOutput.push(guardrailOutputStage(policy));
  }
  if (deps.cache) slots.cache.push(cacheStage(deps.cache));
  slots.guardInput.push(...(extra.guardInput ?? []));
  slots.cache.push(...(extra.cache ?? []));
  slots.guardOutput.push(...(extra.guardOutput ?? []));
  return slots;
}

type Stage = NonNullable<StageSlots['guardInput']>[number];
