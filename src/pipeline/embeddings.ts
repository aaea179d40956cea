import { GatehouseError } from '../core/errors/index.ts';
import { estimateTokens } from '../core/ir/estimate.ts';
import type { EmbeddingsRequest } from '../core/ir/index.ts';
import { runWithFailover, type Target } from '../routing/index.ts';
import { admit, settle } from './admit.ts';
import type { Responder } from '../server/responder.ts';
import { embeddingsRequestLog } from './bodies.ts';
import { servedHeaders } from './chat.ts';
import { authorize, type RequestContext } from './context.ts';
import type { Pipeline } from './runtime.ts';
import type { EmbeddingsSurface } from './surface.ts';

export async function runEmbeddings(
  pipeline: Pipeline,
  ctx: RequestContext,
  surface: EmbeddingsSurface,
  body: unknown,
  out: Responder,
): Promise<void> {
  const req = surface.decodeEmbeddings(body);
  ctx.record.model = req.model;
  authorize(ctx, req.model);
  const targets = pipeline.inRegion(ctx, req.model, pipeline.targets.resolve(req.model));
  const requestBody = embeddingsRequestLog(pipeline.bodyLogging(ctx), req.input.length, body);
  if (requestBody !== undefined) ctx.record.requestBody = requestBody;
  const inputTokens = req.input.reduce(
    (sum, item) => sum + (typeof item === 'string' ? estimateTokens(item) : item.length),
    0,
  );
  const admission = await admit(pipeline.admitter, ctx, req.model, targets, inputTokens, 0);
  for (const name in admission.headers) out.setHeader(name, admission.headers[name]!);
  try {
    await embedAndAnswer(pipeline, ctx, surface, req, targets, out);
  } finally {
    await settle(pipeline.admitter, ctx, admission, pipeline.providerType(ctx.record.provider));
  }
}

async function embedAndAnswer(
  pipeline: Pipeline,
  ctx: RequestContext,
  surface: EmbeddingsSurface,
  req: EmbeddingsRequest,
  targets: readonly Target[],
  out: Responder,
): Promise<void> {
  const served = await runWithFailover(
    targets,
    pipeline.failoverInput(ctx, 'openai'),
    pipeline.failover,
    (target, opts) => {
      if (!target.provider.embed) {
        throw new GatehouseError(
          'GH_UNSUPPORTED_BY_PROVIDER',
          `The provider "${target.providerName}" behind model "${req.model}" does not offer embeddings.`,
          { param: 'model' },
        );
      }
      return target.provider.embed(req, target.model, opts);
    },
  );
  served.release();
  ctx.record.provider = served.target.providerName;
  ctx.record.providerModel = served.target.model;
  ctx.record.usage = { inputTokens: served.value.usage.inputTokens, outputTokens: 0 };
  out.json(
    200,
    surface.encodeEmbeddings(served.value, req),
    servedHeaders(served, ctx.record.attempts.length),
  );
}
