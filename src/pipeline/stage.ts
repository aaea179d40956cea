// A stage is middleware over one exchange, in the manner of hono's `compose` and the AI SDK's
// `wrapGenerate`/`wrapStream`: it receives the exchange and `next`, and may rewrite the request
// (before `next`), answer itself or refuse (instead of `next`, by returning an answer or throwing a
// GatehouseError), or wrap what `next` answered (a result, or a stream it maps chunk by chunk).
// The order is declared once, in stages.ts; docs/pipeline.md shows how to add one.
import { GatehouseError } from '../core/errors/index.ts';
import type { ChatRequest, ChatResult, EmbeddingsRequest, EmbeddingsResult } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';
import type { ShadowPlan, Target } from '../routing/index.ts';
import type { AnswerStream } from './answer-stream.ts';
import type { RequestContext } from './context.ts';

interface ExchangeBase {
  readonly ctx: RequestContext;
  /** The caller's body as it arrived, for the request log. */
  readonly body: unknown;
  /** Headers for the answer (admission, the serving target); `server/` sends them with it. */
  readonly headers: Record<string, string>;
  /** The targets the request may go to, in order; set by the authorise stage. */
  targets: readonly Target[];
  /**
   * An answer a stage already has for this request (a cache hit): the call stage answers with it
   * instead of going upstream, so that the stages between — output guardrails — treat it exactly
   * as they treat a fresh answer.
   */
  prepared?: Answer;
  /** An experiment's shadow: where the call stage mirrors this request in the background. */
  shadow: ShadowPlan | undefined;
}

/**
 * `request` is replaced, never changed in place (it is Frozen): through the helpers of
 * core/ir/rewrite.ts, which drop the client's body so that the change is what goes upstream.
 * `decoded` is the request as the surface decoded it.
 */
interface ExchangeOf<O extends string, R> extends ExchangeBase {
  readonly operation: O;
  request: Frozen<R>;
  readonly decoded: Frozen<R>;
}

export type ChatExchange = ExchangeOf<'chat', ChatRequest>;
export type EmbeddingsExchange = ExchangeOf<'embeddings', EmbeddingsRequest>;
/** Anthropic's count_tokens: the request of a chat, counted instead of answered. */
export type CountTokensExchange = ExchangeOf<'count_tokens', ChatRequest>;

export type Exchange = ChatExchange | EmbeddingsExchange | CountTokensExchange;
export type Operation = Exchange['operation'];

/** A stage that changes a result replaces it (core/ir/rewrite.ts: `mapResultText`, `rewriteResult`). */
export type Answer =
  | { kind: 'result'; result: Frozen<ChatResult> }
  | { kind: 'stream'; stream: AnswerStream }
  | { kind: 'embeddings'; result: Frozen<EmbeddingsResult> }
  | { kind: 'token_count'; inputTokens: number; source: 'provider' | 'estimate' };

export interface Stage {
  /** Shown in errors and docs; unique within the pipeline. */
  readonly name: string;
  run(ex: Exchange, next: () => Promise<Answer>): Promise<Answer>;
}

/**
 * Runs the stages in order, each one's `next` being the rest. A stage that calls `next` twice is
 * a bug (the request would be sent upstream twice), refused with an internal error; the last stage
 * has no `next` to call and must answer.
 */
export function compose(stages: readonly Stage[]): (ex: Exchange) => Promise<Answer> {
  return function runStages(ex: Exchange): Promise<Answer> {
    let reached = -1;
    const dispatch = (index: number): Promise<Answer> => {
      if (index <= reached) {
        return Promise.reject(
          new GatehouseError('GH_INTERNAL', `The stage "${stages[index - 1]?.name}" called next() twice.`),
        );
      }
      reached = index;
      const stage = stages[index];
      if (!stage) {
        return Promise.reject(
          new GatehouseError('GH_INTERNAL', `The last stage "${stages.at(-1)?.name}" called next().`),
        );
      }
      try {
        return stage.run(ex, () => dispatch(index + 1));
      } catch (err) {
        // A stage that throws before its first await still rejects, never throws past the caller.
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}

type RequestOf<O extends Operation> = O extends 'embeddings' ? EmbeddingsRequest : ChatRequest;

/** A new exchange for a decoded request; its targets are set by the authorise stage. */
export function newExchange<O extends Operation>(
  operation: O,
  ctx: RequestContext,
  body: unknown,
  request: RequestOf<O>,
): Extract<Exchange, { operation: O }> {
  const ex = { operation, ctx, body, headers: {}, targets: [], shadow: undefined, request, decoded: request };
  return ex as unknown as Extract<Exchange, { operation: O }>;
}
