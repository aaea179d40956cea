// ConverseStream frames → IR stream parts. Payloads are not wrapped in their event name, and carry
// a `p` padding field that means nothing. The finish part is emitted when the stream ends, since
// `metadata` (usage) may come before or after `messageStop`.
import { GatehouseError } from '../../core/errors/index.ts';
import type { StreamChunk, StreamPart, Usage } from '../../core/ir/index.ts';
import { bedrockStreamException } from './errors.ts';
import type { EventFrame } from './event-stream.ts';
import { bedrockStopReasonToFinish, bedrockUsage, type ConverseUsage } from './response.ts';

interface Payload {
  contentBlockIndex?: number;
  start?: { toolUse?: { toolUseId: string; name: string } };
  delta?: {
    text?: string;
    toolUse?: { input?: string };
    reasoningContent?: { text?: string; signature?: string; redactedContent?: string };
  };
  stopReason?: string;
  usage?: ConverseUsage;
  message?: string;
}

/**
 * Decodes ConverseStream frames one at a time, keeping what spans them: the tool calls' numbering,
 * the stop reason and the usage, which make the finish that `end()` gives once the stream is over.
 */
export class ConverseStreamDecoder {
  readonly #meta: { id: string; model: string; provider: string };
  readonly #toolIndexByBlock = new Map<number, number>();
  #stopReason: string | undefined;
  #usage: Usage | undefined;

  constructor(meta: { id: string; model: string; provider: string }) {
    this.#meta = meta;
  }

  decode(frame: EventFrame): StreamChunk {
    const meta = this.#meta;
    const toolIndexByBlock = this.#toolIndexByBlock;
    const type = frame.headers[':message-type'];
    const payload = JSON.parse(Buffer.from(frame.payload).toString('utf8') || '{}') as Payload;
    if (type === 'exception') {
      throw bedrockStreamException(
        meta.provider,
        String(frame.headers[':exception-type'] ?? 'unknown'),
        payload.message ?? 'stream failed',
      );
    }
    if (type === 'error') {
      const message = String(frame.headers[':error-message'] ?? payload.message ?? 'stream failed');
      throw new GatehouseError(
        'GH_UPSTREAM_ERROR',
        `${meta.provider}: ${frame.headers[':error-code'] ?? 'error'}: ${message}`,
        { provider: meta.provider },
      );
    }
    const parts: StreamPart[] = [];
    const block = payload.contentBlockIndex ?? 0;
    switch (frame.headers[':event-type']) {
      case 'messageStart':
        parts.push({ type: 'start', id: meta.id, model: meta.model });
        break;
      case 'contentBlockStart':
        if (payload.start?.toolUse) {
          const index = toolIndexByBlock.size;
          toolIndexByBlock.set(block, index);
          parts.push({
            type: 'tool_call_start',
            index,
            id: payload.start.toolUse.toolUseId,
            name: payload.start.toolUse.name,
          });
        }
        break;
      case 'contentBlockDelta': {
        const delta = payload.delta ?? {};
        if (typeof delta.text === 'string') parts.push({ type: 'text', text: delta.text });
        const toolIndex = toolIndexByBlock.get(block);
        if (delta.toolUse?.input && toolIndex !== undefined)
          parts.push({ type: 'tool_call_delta', index: toolIndex, arguments: delta.toolUse.input });
        const reasoning = delta.reasoningContent;
        if (reasoning?.text) parts.push({ type: 'thinking', text: reasoning.text });
        if (reasoning?.signature) parts.push({ type: 'thinking_signature', signature: reasoning.signature });
        if (reasoning?.redactedContent)
          parts.push({ type: 'redacted_thinking', data: reasoning.redactedContent });
        break;
      }
      case 'contentBlockStop': {
        const toolIndex = toolIndexByBlock.get(block);
        if (toolIndex !== undefined) parts.push({ type: 'tool_call_end', index: toolIndex });
        break;
      }
      case 'messageStop':
        this.#stopReason = payload.stopReason;
        break;
      case 'metadata':
        this.#usage = bedrockUsage(payload.usage);
        parts.push({ type: 'usage', usage: this.#usage });
        break;
    }
    return { parts };
  }

  /** The finish, once the stream has ended; a stream without `messageStop` is a protocol error. */
  end(): StreamChunk {
    const meta = this.#meta;
    const stopReason = this.#stopReason;
    if (stopReason === undefined) {
      throw new GatehouseError(
        'GH_UPSTREAM_PROTOCOL',
        `${meta.provider}: the stream ended before messageStop.`,
        { provider: meta.provider },
      );
    }
    return {
      parts: [
        {
          type: 'finish',
          finishReason: bedrockStopReasonToFinish(stopReason),
          usage: this.#usage ?? { inputTokens: 0, outputTokens: 0 },
        },
      ],
    };
  }
}
