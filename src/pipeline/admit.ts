// The admit and settle stages around every model call: rate limits and budgets reserved before,
// actual usage and cost charged after (always, from a finally).
import { estimateRequestTokens } from '../core/ir/estimate.ts';
import type { ChatRequest } from '../core/ir/index.ts';
import type { Admission, Governor, LimitRule } from '../governance/admission.ts';
import type { PriceBook } from '../governance/pricing/index.ts';
import type { Target } from '../routing/index.ts';
import type { RequestContext } from './context.ts';

/** Output tokens assumed for the worst case when a request sets no limit. */
export const defaultOutputAllowance = 4096;

export interface Admitter {
  governor: Governor;
  prices: PriceBook;
  /** Limits configured on models (`models.<name>.limits`), shared by all callers. */
  modelLimits: ReadonlyMap<string, LimitRule>;
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

export function chatAllowance(req: ChatRequest): { input: number; output: number; assumed: boolean } {
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
  let costUsd: number | null = null;
  if (usage && providerType && record.providerModel) {
    costUsd = admitter.prices.cost(providerType, record.providerModel, usage);
    record.costUsd = costUsd;
  }
  try {
    await admission.settle({ tokens: usage ? usage.inputTokens + usage.outputTokens : 0, costUsd });
  } catch (err) {
    console.error(`[gatehouse] ${ctx.requestId}: settling usage failed:`, err);
  }
}
