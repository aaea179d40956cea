import type { Usage } from '../../core/ir/index.ts';
import type { OpenAIUsage } from './wire.ts';

/**
 * OpenAI's usage in IR terms. `prompt_tokens` already includes the cached prefix and
 * `completion_tokens` the reasoning, so the totals map straight across; the details are kept
 * whenever the upstream reports them (zero included) so that cost can be computed.
 */
export function openaiUsageToIr(usage: OpenAIUsage | null | undefined): Usage {
  const result: Usage = {
    inputTokens: count(usage?.prompt_tokens) ?? 0,
    outputTokens: count(usage?.completion_tokens) ?? 0,
  };
  const cacheRead = count(usage?.prompt_tokens_details?.cached_tokens);
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  const cacheWrite = count(usage?.prompt_tokens_details?.cache_write_tokens);
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  const reasoning = count(usage?.completion_tokens_details?.reasoning_tokens);
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  return result;
}

function count(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
