import type { Usage } from '../../core/ir/index.ts';
import type { AnthropicUsage } from './wire.ts';

/**
 * Anthropic's usage in IR terms. Anthropic's `input_tokens` excludes the cached prefix, so the IR
 * total adds cache reads and cache writes back in; both are kept so that cost can be computed.
 */
export function anthropicUsageToIr(usage: AnthropicUsage | null | undefined): Usage {
  const input = count(usage?.input_tokens);
  const cacheRead = usage?.cache_read_input_tokens;
  const cacheWrite = usage?.cache_creation_input_tokens;
  const result: Usage = {
    inputTokens: (input ?? 0) + (count(cacheRead) ?? 0) + (count(cacheWrite) ?? 0),
    outputTokens: count(usage?.output_tokens) ?? 0,
  };
  if (count(cacheRead) !== undefined) result.cacheReadTokens = count(cacheRead);
  if (count(cacheWrite) !== undefined) result.cacheWriteTokens = count(cacheWrite);
  const hourWrites = count(usage?.cache_creation?.ephemeral_1h_input_tokens);
  if (hourWrites) result.cacheWrite1hTokens = hourWrites;
  const thinking = count(usage?.output_tokens_details?.thinking_tokens);
  if (thinking !== undefined) result.reasoningTokens = thinking;
  return result;
}

/**
 * Folds a later (cumulative) usage report into an earlier one. `message_delta` repeats counts it
 * knows and leaves the rest null or absent, so only the fields it does report replace earlier ones.
 */
export function mergeAnthropicUsage(
  earlier: AnthropicUsage,
  later: AnthropicUsage | null | undefined,
): AnthropicUsage {
  const merged: AnthropicUsage = { ...earlier };
  if (!later) return merged;
  if (count(later.input_tokens) !== undefined) merged.input_tokens = later.input_tokens;
  if (count(later.output_tokens) !== undefined) merged.output_tokens = later.output_tokens;
  if (count(later.cache_read_input_tokens) !== undefined)
    merged.cache_read_input_tokens = later.cache_read_input_tokens;
  if (count(later.cache_creation_input_tokens) !== undefined) {
    merged.cache_creation_input_tokens = later.cache_creation_input_tokens;
  }
  if (later.cache_creation) merged.cache_creation = later.cache_creation;
  if (count(later.output_tokens_details?.thinking_tokens) !== undefined) {
    merged.output_tokens_details = later.output_tokens_details;
  }
  return merged;
}

function count(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
