import type { Usage } from '../../core/ir/index.ts';
import type { GeminiUsageMetadata } from './wire.ts';

/**
 * Gemini's usage in IR terms. `promptTokenCount` already includes the cached prefix; the tool-use
 * prompt (built-in tools' results) is input too. `candidatesTokenCount` excludes the thoughts, which
 * are output all the same, so they are added in and also kept as reasoning tokens.
 */
export function geminiUsageToIr(usage: GeminiUsageMetadata | null | undefined): Usage {
  const thoughts = count(usage?.thoughtsTokenCount);
  const cached = count(usage?.cachedContentTokenCount);
  const result: Usage = {
    inputTokens: (count(usage?.promptTokenCount) ?? 0) + (count(usage?.toolUsePromptTokenCount) ?? 0),
    outputTokens: (count(usage?.candidatesTokenCount) ?? 0) + (thoughts ?? 0),
  };
  if (cached !== undefined) result.cacheReadTokens = cached;
  if (thoughts !== undefined) result.reasoningTokens = thoughts;
  return result;
}

function count(value: number | null | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
