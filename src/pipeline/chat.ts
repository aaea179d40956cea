// The chat pipeline: decode → resolve targets → call with failover → encode. Streams fail over only
// until their first event has arrived; after that an upstream failure ends the stream with an error
// event in the caller's format.
import { GatehouseError, asGatehouseError } from '../core/errors/index.ts';
import type { ChatRequest, ChatStream, StreamChunk, Usage } from '../core/ir/index.ts';
import { type Served, runWithFailover, type Target } from '../routing/index.ts';
import { admit, chatAllowance, settle } from './admit.ts';
import type { Responder } from '../server/responder.ts';
import { AnswerLog, chatRequestLog } from './bodies.ts';
import { authorize, type RequestContext } from './context.ts';
import type { Pipeline } from './runtime.ts';
import type { ChatSurface } from './surface.ts';

interface OpenedStream {
  stream: ChatStream;
  batches: AsyncGenerator<StreamChunk[]>;
  first: IteratorResult<StreamChunk[]>;
}

/** Batches of one chunk, from a provider that yields chunk by chunk. */
async function* oneByOne(stream: ChatStream): AsyncGenerator<StreamChunk[]> {
  for await (const chunk of stream) yield [chunk];
}

export async function runChat(
  pipeline: Pipeline,
  ctx: RequestContext,
  surface: ChatSurface,
  body: unknown,
  out: Responder,
): Promise<void> {
  const req = surface.decodeChat(body);
  const record = ctx.record;
  record.model = req.model;
  record.stream = req.stream;
  if (req.metadata) record.tags = { ...req.metadata, ...record.tags };
  authorize(ctx, req.model);
  const targets = pipeline.inRegion(ctx, req.model, pipeline.targets.resolve(req.model));
  const bodies = pipeline.bodyLogging(ctx);
  const requestBody = chatRequestLog(bodies, req, body);
  if (requestBody !== undefined) record.requestBody = requestBody;
  const allowance = chatAllowance(req);
  const admission = await admit(
    pipeline.admitter,
    ctx,
    req.model,
    targets,
    allowance.input,
    allowance.output,
    allowance.assumed,
  );
  for (const name in admission.headers) out.setHeader(name, admission.headers[name]!);
  try {
    await callAndAnswer(pipeline, ctx, surface, req, targets, out, new AnswerLog(bodies));
  } finally {
    await settle(pipeline.admitter, ctx, admission, pipeline.providerType(record.provider));
  }
}

async function callAndAnswer(
  pipeline: Pipeline,
  ctx: RequestContext,
  surface: ChatSurface,
  req: ChatRequest,
  targets: readonly Target[],
  out: Responder,
  answer: AnswerLog,
): Promise<void> {
  const record = ctx.record;
  const input = pipeline.failoverInput(ctx, surface.name);

  if (!req.stream) {
    const served = await runWithFailover(targets, input, pipeline.failover, (target, opts) =>
      target.provider.complete(req, target.model, opts),
    );
    served.release();
    noteServed(ctx, served);
    record.usage = served.value.response.usage;
    record.finishReason = served.value.response.finishReason;
    if (answer.wanted) {
      answer.response(served.value.response);
      record.responseBody = answer.result();
    }
    out.json(
      200,
      surface.encodeChat(served.value, req),
      servedHeaders(served, record.attempts.length, served.value.warnings),
    );
    return;
  }

  const served = await runWithFailover(targets, input, pipeline.failover, async (target, opts) => {
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
      return { stream, batches, first } satisfies OpenedStream;
    } catch (err) {
      await batches.return(undefined).catch(() => undefined);
      throw err;
    }
  });
  noteServed(ctx, served);
  await pipeStream(ctx, req, surface, served, out, answer);
}

async function pipeStream(
  ctx: RequestContext,
  req: ChatRequest,
  surface: ChatSurface,
  served: Served<OpenedStream>,
  out: Responder,
  answer: AnswerLog,
): Promise<void> {
  const { stream, batches } = served.value;
  const encoder = surface.streamEncoder(req, ctx.requestId);
  const record = ctx.record;
  let step = served.value.first;
  let finished = false;
  out.startStream(servedHeaders(served, record.attempts.length, stream.warnings));
  try {
    while (!step.done) {
      // A caller that reads slower than the upstream sends makes the next read wait.
      let full: Promise<unknown> | undefined;
      for (const chunk of step.value) {
        for (const part of chunk.parts) {
          if (part.type === 'usage') record.usage = part.usage;
          else if (part.type === 'finish') {
            record.usage = mergeUsage(record.usage, part.usage);
            record.finishReason = part.finishReason;
            finished = true;
          }
        }
        if (answer.wanted) answer.chunk(chunk);
        full = out.write(encoder.encode(chunk, stream.dialect)) ?? full;
      }
      if (full) await full;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      step = await batches.next();
    }
    await out.write(encoder.end());
    record.status = 200;
  } catch (err) {
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
    if (!finished && !step.done) await batches.return(undefined).catch(() => undefined);
    if (answer.wanted) record.responseBody = answer.result();
    served.release();
    out.end();
  }
}

function mergeUsage(seen: Usage | undefined, final: Usage): Usage {
  if (!seen) return final;
  return final.inputTokens === 0 && final.outputTokens === 0 ? seen : final;
}

function noteServed(ctx: RequestContext, served: Served<unknown>): void {
  ctx.record.provider = served.target.providerName;
  ctx.record.providerModel = served.target.model;
}

export function servedHeaders(
  served: Served<unknown>,
  attempts: number,
  warnings?: string[],
): Record<string, string> {
  const headers: Record<string, string> = {
    'x-gatehouse-provider': served.target.providerName,
    'x-gatehouse-model': headerSafe(served.target.model),
    'x-gatehouse-attempts': String(attempts),
  };
  if (warnings && warnings.length > 0) headers['x-gatehouse-warnings'] = headerSafe(warnings.join('; '));
  return headers;
}

/** Header values must be visible ASCII; anything else is replaced rather than crash the response. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 4000);
}
