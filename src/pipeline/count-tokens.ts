import { estimateRequestTokens } from '../core/ir/estimate.ts';
import type { ChatRequest } from '../core/ir/index.ts';
import { runWithFailover } from '../routing/index.ts';
import { authorize, type RequestContext } from './context.ts';
import type { Pipeline } from './runtime.ts';

/**
 * Input tokens for a request: asked of the provider where it has a counting endpoint (Anthropic),
 * otherwise estimated locally. The answer says which with `x-gatehouse-token-count: provider|estimate`.
 */
export async function countTokens(
  pipeline: Pipeline,
  ctx: RequestContext,
  req: ChatRequest,
): Promise<{ inputTokens: number; source: 'provider' | 'estimate' }> {
  ctx.record.model = req.model;
  authorize(ctx, req.model);
  const targets = pipeline.inRegion(ctx, req.model, pipeline.targets.resolve(req.model));
  const served = await runWithFailover(
    targets,
    pipeline.failoverInput(ctx, 'anthropic'),
    pipeline.failover,
    async (target, opts) =>
      target.provider.countTokens
        ? {
            inputTokens: await target.provider.countTokens(req, target.model, opts),
            source: 'provider' as const,
          }
        : { inputTokens: estimateRequestTokens(req), source: 'estimate' as const },
  );
  served.release();
  ctx.record.provider = served.target.providerName;
  ctx.record.providerModel = served.target.model;
  return served.value;
}
