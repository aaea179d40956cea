// Shadow traffic: an experiment mirrors a share of a model's chat requests to another model. The
// mirror starts beside the primary call and runs on its own: the caller never waits for it, never
// sees its answer or its failure, and leaving does not cut it. When both are done the shadow call is
// recorded as its own event (route "shadow", variant "shadow", shadow_of the primary's event id),
// priced, with its latency and whether its answer differed from the one the caller got. It is
// charged to no budget and counted by no rate limit: it is the operator's experiment, not the caller's.
import type { ChatRequest, ChatResponse, StreamChunk, Usage } from '../core/ir/index.ts';
import { type Frozen, readOnly, rewriteRequest } from '../core/ir/rewrite.ts';
import type { RequestRecord } from '../core/records/index.ts';
import { asGatehouseError } from '../core/errors/index.ts';
import { type FailoverSettings, runWithFailover, type ShadowPlan } from '../routing/index.ts';
import type { ChatExchange } from './stage.ts';

export type ShadowCost = (providerType: string, model: string, usage: Usage) => number | null;

/** What the primary answered, once known: its text (and tool calls), or undefined if it failed. */
export interface ShadowMirror {
  primary(text: string | undefined): void;
}

/** Starts the mirror of an exchange; returns where to report the primary's answer. */
export function startShadow(
  ex: ChatExchange,
  plan: ShadowPlan,
  settings: FailoverSettings,
  cost: ShadowCost,
): ShadowMirror {
  const primary = ex.ctx.record;
  const { ctx } = ex;
  const record: RequestRecord = {
    requestId: ctx.requestId,
    eventId: `${primary.eventId}-shadow`,
    surface: primary.surface,
    route: 'shadow',
    receivedAt: Date.now(),
    model: plan.model,
    stream: false,
    attempts: [],
    status: 200,
    experiment: plan.experiment,
    variant: 'shadow',
    shadowOf: primary.eventId,
  };
  if (primary.keyId) record.keyId = primary.keyId;
  if (primary.teamId) record.teamId = primary.teamId;
  if (primary.userId) record.userId = primary.userId;
  if (primary.region) record.region = primary.region;
  let resolvePrimary!: (text: string | undefined) => void;
  const primaryText = new Promise<string | undefined>((resolve) => {
    resolvePrimary = resolve;
  });
  // Not the caller's signal: a caller who leaves does not cut the experiment short.
  const signal = new AbortController().signal;
  const started = performance.now();
  const req = readOnly<ChatRequest>(
    rewriteRequest<ChatRequest>(ex.request, { stream: false, includeUsage: false }),
  );
  const shadow = runWithFailover(
    plan.targets,
    { requestId: ctx.requestId, signal, attempts: record.attempts },
    settings,
    (target, opts) => target.provider.complete(req, target.model, opts),
  );
  void (async () => {
    let answer: string | undefined;
    try {
      const served = await shadow;
      served.release();
      const response = served.value.response;
      record.provider = served.target.providerName;
      record.providerModel = served.target.model;
      record.usage = response.usage;
      record.finishReason = response.finishReason;
      record.costUsd = cost(served.target.providerType, served.target.model, response.usage);
      answer = responseText(response);
    } catch (err) {
      const error = asGatehouseError(err);
      record.status = error.status;
      record.errorCode = error.code;
    }
    record.durationMs = performance.now() - started;
    const seen = await primaryText;
    if (answer !== undefined && seen !== undefined)
      record.shadowDiffered = normalise(answer) !== normalise(seen);
    ctx.lifecycle.requestEnded(record);
  })();
  return { primary: resolvePrimary };
}

/** A response's text and tool calls, as compared between the primary and the shadow. */
export function responseText(response: Frozen<ChatResponse>): string {
  let text = '';
  for (const part of response.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool_call') text += `\u0000${part.name}(${part.arguments})`;
  }
  return text;
}

/** Collects a stream's text and tool calls as it passes, in the form responseText gives. */
export function streamCollector(): { tap(chunk: Frozen<StreamChunk>): void; text(): string } {
  let text = '';
  return {
    tap(chunk) {
      for (const part of chunk.parts) {
        if (part.type === 'text') text += part.text;
        else if (part.type === 'tool_call_start') text += `\u0000${part.name}(`;
        else if (part.type === 'tool_call_delta') text += part.arguments;
        else if (part.type === 'tool_call_end') text += ')';
      }
    },
    text: () => text,
  };
}

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();
