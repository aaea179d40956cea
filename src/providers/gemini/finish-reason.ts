import type { FinishReason } from '../../core/ir/index.ts';

/** Gemini's finish reasons that mean a safety or policy filter stopped the answer (NOTES §7.1). */
const filtered = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
]);

/**
 * Gemini has no tool-call finish reason: a turn that calls functions ends with STOP, so whether the
 * answer held function calls decides between `tool_calls` and `stop`.
 */
export function geminiFinishReasonToFinish(
  reason: string | undefined,
  hasFunctionCalls: boolean,
): FinishReason {
  if (reason === 'STOP') return hasFunctionCalls ? 'tool_calls' : 'stop';
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && filtered.has(reason)) return 'content_filter';
  return 'other';
}
