import type { FinishReason } from '../../core/ir/index.ts';

/** Anthropic's `stop_reason` in the gateway's words (NOTES §7.1). */
export function anthropicStopReasonToFinish(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    // A server tool paused the turn; for the caller the answer so far is complete.
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}
