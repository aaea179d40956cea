import { GatehouseError } from '../core/errors/index.ts';
import { runWithFailover } from '../routing/index.ts';
import type { Responder } from '../server/responder.ts';
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
  const targets = pipeline.targets.resolve(req.model);
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
