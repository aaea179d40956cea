// The admit and settle stages around every model call: rate limits and budgets reserved before,
// actual usage and cost charged after (always, from a finally).
import { estimateRequestTokens, estimateTokens } from '../core/ir/estimate.ts';
import type { ChatRequest } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';
import type { Admission, Governor, LimitRule, PriceBook } from '../governance/index.ts';
import type { Target } from '../routing/index.ts';
import type { RunGuard } from '../runs/index.ts';
import type { RequestContext } from './context.ts';
import type { Answer, Exchange, Stage } from './stage.ts';

/** Output tokens assumed for the worst case when a request sets no limit. */
export const defaultOutputAllowance = 4096;

export interface Admitter {
  governor: Governor;
  prices: PriceBook;
  /** Limits configured on models (`models.<name>.limits`), shared by all callers. */
  modelLimits: ReadonlyMap<string, LimitRule>;
  /** Bounds on agent runs (the `run` stage); without it a run id is only recorded. */
  runs?: RunGuard | undefined;
}

/** What the request's usage cost at the serving target's prices; null when unknown. */
export function usageCost(
  admitter: Admitter,
  ctx: RequestContext,
  providerType: string | undefined,
): number | null {
  const { record } = ctx;
  if (!record.usage || !providerType || !record.providerModel) return null;
  return admitter.prices.cost(providerType, record.providerModel, record.usage);
}

export async function admit(
  admitter: Admitter,
  ctx: RequestContext,
  model: string,
  targets: readonly Target[],
  inputTokens: number,
  maxOutputTokens: number,
  /** True when maxOutputTokens is the default allowance, not the request's own limit. */
  outputAssumed = false,
): Promise<Admission> {
  const principal = ctx.principal;
  const limits = [...(principal?.limits ?? [])];
  const modelLimit = admitter.modelLimits.get(model);
  if (modelLimit) limits.push(modelLimit);
  const budgets = principal?.budgets ?? [];
  let worstCaseUsd: number | null = null;
  if (budgets.length > 0) {
    for (const target of targets) {
      const usd = admitter.prices.worstCase(target.providerType, target.model, inputTokens, maxOutputTokens);
      if (usd !== null) worstCaseUsd = Math.max(worstCaseUsd ?? 0, usd);
    }
  }
  return admitter.governor.admit({
    limits,
    budgets,
    worstCaseTokens: inputTokens + maxOutputTokens,
    worstCaseUsd,
    outputTokens: maxOutputTokens,
    outputAssumed,
  });
}

export function chatAllowance(req: Frozen<ChatRequest>): { input: number; output: number; assumed: boolean } {
  return {
    input: estimateRequestTokens(req),
    output: req.maxTokens ?? defaultOutputAllowance,
    assumed: req.maxTokens === undefined,
  };
}

/** Charges what the request actually used; never throws into the response path. */
export async function settle(
  admitter: Admitter,
  ctx: RequestContext,
  admission: Admission,
  providerType: string | undefined,
): Promise<void> {
  const { record } = ctx;
  const usage = record.usage;
  const costUsd = usageCost(admitter, ctx, providerType);
  if (usage && providerType && record.providerModel) record.costUsd = costUsd;
  try {
    await admission.settle({ tokens: usage ? usage.inputTokens + usage.outputTokens : 0, costUsd });
  } catch (err) {
    console.error(`[gatehouse] ${ctx.requestId}: settling usage failed:`, err);
  }
}

/** Worst-case tokens of an exchange. count_tokens reserves none: it is a request, not a generation. */
function allowance(ex: Exchange): { input: number; output: number; assumed?: boolean } {
  switch (ex.operation) {
    case 'chat':
      return chatAllowance(ex.request);
    case 'embeddings': {
      let input = 0;
      for (const item of ex.request.input)
        input += typeof item === 'string' ? estimateTokens(item) : item.length;
      return { input, output: 0 };
    }
    case 'count_tokens':
      return { input: 0, output: 0 };
  }
}

/**
 * The admit/settle stage: reserves before the rest of the pipeline runs and settles after it, always
 * (a stream settles when it is over, however it ends).
 */
export function admitStage(
  admitter: Admitter,
  providerType: (name: string | undefined) => string | undefined,
): Stage {
  return {
    name: 'admit',
    async run(ex: Exchange, next: () => Promise<Answer>): Promise<Answer> {
      const { ctx } = ex;
      const worst = allowance(ex);
      const admission = await admit(
        admitter,
        ctx,
        ex.request.model,
        ex.targets,
        worst.input,
        worst.output,
        worst.assumed,
      );
      for (const name in admission.headers) ex.headers[name] = admission.headers[name]!;
      const settleNow = () => settle(admitter, ctx, admission, providerType(ctx.record.provider));
      let answer: Answer | undefined;
      try {
        answer = await next();
        return answer;
      } finally {
        if (answer?.kind === 'stream') answer.stream.onEnd(settleNow);
        else await settleNow();
      }
    },
  };
}
