// Model routes: decode the caller's body in its surface's dialect, run the exchange through the
// pipeline, and write the answer back in that dialect — JSON in one go, or an event stream that
// keeps the caller's pace.
import { asGatehouseError, GatehouseError } from '../core/errors/index.ts';
import type { ChatRequest, ChatResult, StreamChunk } from '../core/ir/index.ts';
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
import type { ChatSurface, StreamEncoder } from './surfaces.ts';

/** A chat body decoded by its surface and answered through the pipeline, as JSON or a stream. */
export async function serveChat(
  pipeline: Pipeline,
  ctx: RequestContext,
  body: unknown,
  surface: ChatSurface,
  out: Responder,
): Promise<void> {
  const ex = newExchange('chat', ctx, body, surface.decodeChat(body));
  const answer = await runExchange(pipeline, ex, out);
  if (answer.kind === 'stream')
    return writeStream(
      ctx,
      answer.stream,
      surface.streamEncoder(readOnly<ChatRequest>(ex.request), ctx.requestId),
      out,
    );
  if (answer.kind !== 'result') throw unexpectedAnswer(answer.kind);
  out.json(200, surface.encodeChat(readOnly<ChatResult>(answer.result), readOnly<ChatRequest>(ex.request)));
}

export const unexpectedAnswer = (kind: string) =>
  new GatehouseError('GH_INTERNAL', `The pipeline answered a "${kind}" here.`);

/** Runs the exchange; the headers the stages set go out with whatever is answered, errors included. */
export async function runExchange(pipeline: Pipeline, ex: Exchange, out: Responder): Promise<Answer> {
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
export async function writeStream(
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
