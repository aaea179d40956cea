// Calls the gateway makes on its own behalf — a guardrail's judge, the semantic cache's embeddings,
// an evaluator — run through the same pipeline as a caller's: authorised, admitted, routed, priced
// and recorded (route `internal:<purpose>`), so what the gateway spends on itself is on the record.
// Plugged-in stages see `ctx.internal` and pass such calls on, so a judge is never judged by itself.
import { asGatehouseError, GatehouseError } from '../core/errors/index.ts';
import type { ChatRequest, ChatResult, EmbeddingsRequest, EmbeddingsResult } from '../core/ir/index.ts';
import type { Lifecycle } from '../core/lifecycle/index.ts';
import type { RequestRecord } from '../core/records/index.ts';
import { attribute, masterPrincipal, type Principal } from '../governance/index.ts';
import type { RequestContext } from './context.ts';
import type { Pipeline } from './runtime.ts';
import { type Answer, newExchange } from './stage.ts';

export interface InternalCallOptions {
  /** Why the gateway makes this call (`guardrail:injection-judge`, `cache:embed`): the record's route and tag. */
  purpose: string;
  /** Whose call it counts as (its team's budget and limits); the gateway itself when absent. */
  principal?: Principal;
  signal?: AbortSignal;
}

export interface InternalCalls {
  chat(
    request: Omit<ChatRequest, 'stream' | 'includeUsage'>,
    options: InternalCallOptions,
  ): Promise<ChatResult>;
  embeddings(request: EmbeddingsRequest, options: InternalCallOptions): Promise<EmbeddingsResult>;
}

let sequence = 0;

/** Internal calls through a pipeline that exists once the gateway has built it (`attach`). */
export class InternalCaller implements InternalCalls {
  #pipeline: (() => Pipeline) | undefined;
  readonly #lifecycle: Lifecycle;

  constructor(lifecycle: Lifecycle) {
    this.#lifecycle = lifecycle;
  }

  /** The pipeline to run through: the serving configuration version's, read at each call. */
  attach(pipeline: () => Pipeline): void {
    this.#pipeline = pipeline;
  }

  async chat(
    request: Omit<ChatRequest, 'stream' | 'includeUsage'>,
    options: InternalCallOptions,
  ): Promise<ChatResult> {
    const answer = await this.#run('chat', { ...request, stream: false, includeUsage: false }, options);
    if (answer.kind !== 'result')
      throw new GatehouseError('GH_INTERNAL', `An internal chat answered "${answer.kind}".`);
    return answer.result as ChatResult;
  }

  async embeddings(request: EmbeddingsRequest, options: InternalCallOptions): Promise<EmbeddingsResult> {
    const answer = await this.#run('embeddings', request, options);
    if (answer.kind !== 'embeddings')
      throw new GatehouseError('GH_INTERNAL', `An internal embeddings call answered "${answer.kind}".`);
    return answer.result as EmbeddingsResult;
  }

  async #run(
    operation: 'chat' | 'embeddings',
    request: ChatRequest | EmbeddingsRequest,
    options: InternalCallOptions,
  ): Promise<Answer> {
    const pipeline = this.#pipeline?.();
    if (!pipeline)
      throw new GatehouseError('GH_INTERNAL', 'Internal calls were made before the gateway started.');
    const principal = options.principal ?? masterPrincipal;
    const requestId = `internal-${Date.now().toString(36)}-${(sequence++).toString(36)}`;
    const record: RequestRecord = {
      requestId,
      eventId: requestId,
      surface: 'internal',
      route: `internal:${options.purpose}`,
      receivedAt: Date.now(),
      attempts: [],
      status: 200,
      tags: { internal: options.purpose },
    };
    attribute(record, principal);
    const startedAt = performance.now();
    const ctx: RequestContext = {
      requestId,
      headers: {},
      signal: options.signal ?? new AbortController().signal,
      startedAt,
      record,
      lifecycle: this.#lifecycle,
      principal,
      internal: options.purpose,
    };
    this.#lifecycle.requestStarted(record, {});
    try {
      const ex =
        operation === 'chat'
          ? newExchange('chat', ctx, request, request as ChatRequest)
          : newExchange('embeddings', ctx, request, request as EmbeddingsRequest);
      return await pipeline.run(ex);
    } catch (err) {
      const error = asGatehouseError(err);
      record.status = error.status;
      record.errorCode = error.code;
      throw err;
    } finally {
      record.durationMs = performance.now() - startedAt;
      this.#lifecycle.requestEnded(record);
    }
  }
}
