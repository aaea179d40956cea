// Model routes: decode the caller's body in its surface's dialect, run the exchange through the
// pipeline, and write the answer back in that dialect — JSON in one go, or an event stream that
// keeps the caller's pace.
import * as anthropic from '../api/anthropic/index.ts';
import { asGatehouseError, GatehouseError } from '../core/errors/index.ts';
import type {
  ChatRequest,
  ChatResult,
  EmbeddingsRequest,
  EmbeddingsResult,
  StreamChunk,
} from '../core/ir/index.ts';
import { readOnly } from '../core/ir/rewrite.ts';
import {
  type Answer,
  type AnswerStream,
  type Exchange,
  newExchange,
  type Pipeline,
  type RequestContext,
} from '../pipeline/index.ts';
import type { Responder } from './responder.ts';
import type { ChatSurface, EmbeddingsSurface, StreamEncoder } from './surfaces.ts';

/** Chat on either surface: the answer as JSON, or as a stream of the surface's events. */
export async function answerChat(
  pipeline: Pipeline,
  ctx: RequestContext,
  surface: ChatSurface,
  body: Record<string, unknown>,
  out: Responder,
): Promise<void> {
  const ex = newExchange('chat', ctx, body, surface.decodeChat(body));
  const answer = await runExchange(pipeline, ex, out);
  // Encoders only read the request; the stages may have replaced it, never changed it in place.
  const req = readOnly<ChatRequest>(ex.request);
  if (answer.kind === 'stream')
    return writeStream(ctx, answer.stream, surface.streamEncoder(req, ctx.requestId), out);
  if (answer.kind !== 'result') throw unexpected(answer);
  out.json(200, surface.encodeChat(readOnly<ChatResult>(answer.result), req));
}

export async function answerEmbeddings(
  pipeline: Pipeline,
  ctx: RequestContext,
  surface: EmbeddingsSurface,
  body: Record<string, unknown>,
  out: Responder,
): Promise<void> {
  const ex = newExchange('embeddings', ctx, body, surface.decodeEmbeddings(body));
  const answer = await runExchange(pipeline, ex, out);
  if (answer.kind !== 'embeddings') throw unexpected(answer);
  const encoded = surface.encodeEmbeddings(
    readOnly<EmbeddingsResult>(answer.result),
    readOnly<EmbeddingsRequest>(ex.request),
  );
  out.json(200, encoded);
}

/** Anthropic's count_tokens. */
export async function answerCountTokens(
  pipeline: Pipeline,
  ctx: RequestContext,
  body: Record<string, unknown>,
  out: Responder,
): Promise<void> {
  const ex = newExchange('count_tokens', ctx, body, anthropic.decodeCountTokensRequest(body));
  const answer = await runExchange(pipeline, ex, out);
  if (answer.kind !== 'token_count') throw unexpected(answer);
  out.json(200, anthropic.encodeCountTokens(answer.inputTokens));
}

const unexpected = (answer: Answer) =>
  new GatehouseError('GH_INTERNAL', `The pipeline answered a "${answer.kind}" to this route.`);

/** Runs the exchange; the headers the stages set go out with whatever is answered, errors included. */
async function runExchange(pipeline: Pipeline, ex: Exchange, out: Responder): Promise<Answer> {
  try {
    return await pipeline.run(ex);
  } finally {
    for (const name in ex.headers) out.setHeader(name, ex.headers[name]!);
  }
}

/**
 * Writes a streamed answer. A failure once the stream has begun ends it with an error event in the
 * caller's format; a caller that left is recorded as 499. The stages' end callbacks (settling,
 * logging) run once the caller has its last byte.
 */
async function writeStream(
  ctx: RequestContext,
  stream: AnswerStream,
  encoder: StreamEncoder,
  out: Responder,
): Promise<void> {
  const record = ctx.record;
  const dialect = stream.dialect;
  let batch: StreamChunk[] = stream.first;
  let completed = false;
  let failure: unknown;
  try {
    out.startStream();
    for (;;) {
      // A caller that reads slower than the upstream sends makes the next read wait.
      let full: Promise<unknown> | undefined;
      for (const chunk of batch)
        full = out.write(encoder.encode(readOnly<StreamChunk>(stream.pass(chunk)), dialect)) ?? full;
      if (full) await full;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const step = await stream.next();
      if (step.done) break;
      batch = step.value;
    }
    completed = true;
    await out.write(encoder.end());
    record.status = 200;
  } catch (err) {
    failure = err;
    const error = asGatehouseError(err);
    record.errorCode = error.code;
    if (error.code === 'GH_CLIENT_CLOSED' || ctx.signal.aborted) {
      record.clientAborted = true;
      record.status = 499;
    } else {
      record.status = error.status;
      await out.write(encoder.error(error));
    }
  } finally {
    out.end();
    await stream.end(failure === undefined ? { completed } : { completed, error: failure });
  }
}
