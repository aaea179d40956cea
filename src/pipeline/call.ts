// The route-and-call stage, the innermost: tries the exchange's targets with failover and answers.
// Streams fail over only until their first event has arrived; after that, an upstream failure ends
// the stream (the writer tells the caller in its own format).
import { GatehouseError } from '../core/errors/index.ts';
import { estimateRequestTokens } from '../core/ir/estimate.ts';
import type { ChatRequest, ChatStream, EmbeddingsRequest, StreamChunk, Usage } from '../core/ir/index.ts';
import { readOnly, rewriteResult, truthfulRequest } from '../core/ir/rewrite.ts';
import type { FailoverInput } from '../routing/failover.ts';
import { type FailoverSettings, runWithFailover, type Served, type Target } from '../routing/index.ts';
import { AnswerStream } from './answer-stream.ts';
import type { RequestContext } from './context.ts';
import { responseText, type ShadowCost, startShadow, streamCollector } from './shadow.ts';
import type {
  Answer,
  ChatExchange,
  CountTokensExchange,
  EmbeddingsExchange,
  Exchange,
  Stage,
} from './stage.ts';

export function callStage(settings: FailoverSettings, backstops: boolean, shadowCost?: ShadowCost): Stage {
  return {
    name: 'call',
    run(ex: Exchange): Promise<Answer> {
      if (ex.prepared) return Promise.resolve(ex.prepared);
      switch (ex.operation) {
        case 'chat':
          if (ex.shadow && shadowCost) return mirrored(settings, ex, backstops, shadowCost);
          return ex.request.stream
            ? streamChat(settings, ex, backstops)
            : completeChat(settings, ex, backstops);
        case 'embeddings':
          return embed(settings, ex);
        case 'count_tokens':
          return countTokens(settings, ex);
      }
    },
  };
}

async function completeChat(
  settings: FailoverSettings,
  ex: ChatExchange,
  backstops: boolean,
): Promise<Answer> {
  const req = readOnly<ChatRequest>(truthfulRequest<ChatRequest>(ex.decoded, ex.request));
  const served = await runWithFailover(ex.targets, failoverInput(ex), settings, (target, opts) =>
    target.provider.complete(req, target.model, opts),
  );
  served.release();
  noteServed(ex, served, served.value.warnings);
  const record = ex.ctx.record;
  record.usage = served.value.response.usage;
  record.finishReason = served.value.response.finishReason;
  if (backstops) servedResponses.set(ex, served.value.response);
  return { kind: 'result', result: served.value };
}

/** A chat with an experiment's shadow beside it: the shadow learns the primary's answer, never waits it. */
async function mirrored(
  settings: FailoverSettings,
  ex: ChatExchange,
  backstops: boolean,
  cost: ShadowCost,
): Promise<Answer> {
  const mirror = startShadow(ex, ex.shadow!, settings, cost);
  try {
    if (!ex.request.stream) {
      const answer = await completeChat(settings, ex, backstops);
      mirror.primary(answer.kind === 'result' ? responseText(answer.result.response) : undefined);
      return answer;
    }
    const answer = await streamChat(settings, ex, backstops);
    if (answer.kind === 'stream') {
      const seen = streamCollector();
      answer.stream.tap((chunk) => seen.tap(chunk));
      answer.stream.onEnd(({ completed }) => mirror.primary(completed ? seen.text() : undefined));
    }
    return answer;
  } catch (err) {
    mirror.primary(undefined);
    throw err;
  }
}

interface OpenedStream {
  stream: ChatStream;
  batches: AsyncGenerator<StreamChunk[]>;
  first: StreamChunk[];
}

/** Batches of one chunk, from a provider that yields chunk by chunk. */
async function* oneByOne(stream: ChatStream): AsyncGenerator<StreamChunk[]> {
  for await (const chunk of stream) yield [chunk];
}

async function streamChat(settings: FailoverSettings, ex: ChatExchange, backstops: boolean): Promise<Answer> {
  const req = readOnly<ChatRequest>(truthfulRequest<ChatRequest>(ex.decoded, ex.request));
  const served = await runWithFailover(ex.targets, failoverInput(ex), settings, async (target, opts) => {
    const stream = await target.provider.stream(req, target.model, opts);
    const batches = stream.batches?.() ?? oneByOne(stream);
    try {
      // The first event decides: a failure before it reaches the caller may still fail over.
      const first = await batches.next();
      if (first.done)
        throw new GatehouseError(
          'GH_UPSTREAM_PROTOCOL',
          `${target.providerName}: the stream ended before any event.`,
        );
      return { stream, batches, first: first.value } satisfies OpenedStream;
    } catch (err) {
      await batches.return(undefined).catch(() => undefined);
      throw err;
    }
  });
  const { stream, batches, first } = served.value;
  noteServed(ex, served, stream.warnings);
  const answer = new AnswerStream(stream.dialect, stream.warnings, first, batches);
  const record = ex.ctx.record;
  // Usage and the finish reason as the upstream reported them, before any stage maps the chunks.
  answer.tap((chunk) => {
    for (const part of chunk.parts) {
      if (part.type === 'usage') record.usage = part.usage;
      else if (part.type === 'finish') {
        record.usage = mergeUsage(record.usage, part.usage);
        record.finishReason = part.finishReason;
      }
    }
  });
  answer.onEnd(() => served.release());
  if (backstops) openedStreams.set(ex, answer);
  return { kind: 'stream', stream: answer };
}

async function embed(settings: FailoverSettings, ex: EmbeddingsExchange): Promise<Answer> {
  const req = readOnly<EmbeddingsRequest>(truthfulRequest<EmbeddingsRequest>(ex.decoded, ex.request));
  const served = await runWithFailover(ex.targets, failoverInput(ex), settings, (target, opts) => {
    if (!target.provider.embed) {
      throw new GatehouseError(
        'GH_UNSUPPORTED_BY_PROVIDER',
        `The provider "${target.providerName}" behind model "${req.model}" does not offer embeddings.`,
        { param: 'model' },
      );
    }
    return target.provider.embed(req, target.model, opts);
  });
  served.release();
  noteServed(ex, served);
  ex.ctx.record.usage = { inputTokens: served.value.usage.inputTokens, outputTokens: 0 };
  return { kind: 'embeddings', result: served.value };
}

/**
 * Input tokens for a request: asked of the provider where it has a counting endpoint (Anthropic),
 * otherwise estimated locally; the answer says which.
 */
async function countTokens(settings: FailoverSettings, ex: CountTokensExchange): Promise<Answer> {
  const req = readOnly<ChatRequest>(truthfulRequest<ChatRequest>(ex.decoded, ex.request));
  const served = await runWithFailover(ex.targets, failoverInput(ex), settings, async (target, opts) =>
    target.provider.countTokens
      ? {
          inputTokens: await target.provider.countTokens(req, target.model, opts),
          source: 'provider' as const,
        }
      : { inputTokens: estimateRequestTokens(req), source: 'estimate' as const },
  );
  served.release();
  noteServed(ex, served);
  ex.headers['x-gatehouse-token-count'] = served.value.source;
  return { kind: 'token_count', ...served.value };
}

function failoverInput(ex: Exchange): FailoverInput {
  const ctx: RequestContext = ex.ctx;
  const input: FailoverInput = {
    requestId: ctx.requestId,
    signal: ctx.signal,
    attempts: ctx.record.attempts,
    lifecycle: ctx.lifecycle,
    record: ctx.record,
  };
  // Anthropic beta features are opted into per request; they only mean something to Anthropic upstreams.
  const beta = ctx.headers['anthropic-beta'];
  if (ctx.record.surface === 'anthropic' && typeof beta === 'string')
    input.headers = { 'anthropic-beta': beta };
  return input;
}

function mergeUsage(seen: Usage | undefined, final: Usage): Usage {
  if (!seen) return final;
  return final.inputTokens === 0 && final.outputTokens === 0 ? seen : final;
}

/** Notes the serving target in the record and the answer's headers. */
function noteServed(ex: Exchange, served: Served<unknown>, warnings?: string[]): void {
  const target: Target = served.target;
  const record = ex.ctx.record;
  record.provider = target.providerName;
  record.providerModel = target.model;
  const headers = ex.headers;
  headers['x-gatehouse-provider'] = target.providerName;
  headers['x-gatehouse-model'] = headerSafe(target.model);
  headers['x-gatehouse-attempts'] = String(record.attempts.length);
  if (warnings && warnings.length > 0) headers['x-gatehouse-warnings'] = headerSafe(warnings.join('; '));
}

/** Header values must be visible ASCII; anything else is replaced rather than crash the response. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 4000);
}

/** Per exchange, the response the upstream answered with (`raw` is its text). */
const servedResponses = new WeakMap<Exchange, object>();
/** Per exchange, the upstream stream the call opened. */
const openedStreams = new WeakMap<Exchange, AnswerStream>();

/**
 * Ends the stream the call opened when it will never reach the writer — a stage failed after the
 * call answered, or answered something else in its place — so that its upstream is let go and its
 * end callbacks (settling the admission) still run.
 */
export async function endUnanswered(
  ex: Exchange,
  answer: Answer | undefined,
  error?: unknown,
): Promise<void> {
  const opened = openedStreams.get(ex);
  if (!opened || (answer?.kind === 'stream' && answer.stream === opened)) return;
  await opened.end(answer === undefined ? { completed: false, error } : { completed: false });
}

/**
 * The answer as it may go to the caller: a result whose response a stage replaced by hand
 * (`{ ...result, response }`) loses the upstream's text, which would not show the change. Results
 * changed through core/ir/rewrite.ts have lost it already.
 */
export function truthfulAnswer(ex: Exchange, answer: Answer): Answer {
  if (answer.kind !== 'result' || answer.result.raw === undefined) return answer;
  if (servedResponses.get(ex) === answer.result.response) return answer;
  return { kind: 'result', result: rewriteResult(answer.result, answer.result.response) };
}
