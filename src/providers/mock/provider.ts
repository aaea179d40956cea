// The built-in offline provider: answers every model name, needs no key and no network. Useful for a
// first run, for demos and for testing the gateway's own behaviour (auth, limits, logging).
import { setTimeout as sleep } from 'node:timers/promises';
import { builtinDimensions, embedOffline } from '../../cache/semantic/offline/embedder.ts';
import { estimateTokens } from '../../core/ir/estimate.ts';
import type { ChatResult, ChatStream, StreamChunk, StreamPart } from '../../core/ir/index.ts';
import type { MockConfig } from './config.ts';
import { batchedStream } from '../stream-batches.ts';
import type { CallOptions, Provider } from '../types.ts';
import { mockAnswer, mockWarnings } from './answer.ts';

export function createMockProvider(name: string, config: MockConfig): Provider {
  const wait = async (opts: CallOptions) => {
    if (config.latency_ms > 0)
      await sleep(config.latency_ms, undefined, { signal: opts.signal }).catch(() => {
        throw opts.signal.reason;
      });
  };
  return {
    name,
    dialect: 'mock',
    async complete(req, model, opts): Promise<ChatResult> {
      await wait(opts);
      const warnings = mockWarnings(req);
      return {
        response: mockAnswer(req, model, `mock-${opts.requestId}`),
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    },
    async stream(req, model, opts): Promise<ChatStream> {
      await wait(opts);
      const answer = mockAnswer(req, model, `mock-${opts.requestId}`);
      const chunks: StreamChunk[] = [{ parts: [{ type: 'start', id: answer.id, model: answer.model }] }];
      let toolIndex = 0;
      for (const part of answer.content) {
        if (part.type === 'text') {
          for (const word of part.text.match(/\S+\s*/g) ?? [])
            chunks.push({ parts: [{ type: 'text', text: word }] });
        } else if (part.type === 'tool_call') {
          const index = toolIndex++;
          const half = Math.ceil(part.arguments.length / 2);
          const parts: StreamPart[][] = [
            [{ type: 'tool_call_start', index, id: part.id, name: part.name }],
            [{ type: 'tool_call_delta', index, arguments: part.arguments.slice(0, half) }],
            [{ type: 'tool_call_delta', index, arguments: part.arguments.slice(half) }],
            [{ type: 'tool_call_end', index }],
          ];
          for (const p of parts) chunks.push({ parts: p });
        }
      }
      chunks.push({ parts: [{ type: 'finish', finishReason: answer.finishReason, usage: answer.usage }] });
      // The whole answer is ready at once, like an upstream read that holds every event: the first
      // chunk comes on its own (time to first byte), the rest as one batch.
      const warnings = mockWarnings(req);
      return batchedStream(
        { dialect: 'mock', ...(warnings.length > 0 ? { warnings } : {}) },
        async function* () {
          yield chunks.slice(0, 1);
          yield chunks.slice(1);
        },
      );
    },
    async embed(req, model, opts) {
      await wait(opts);
      const inputs = req.input.map((item) => (typeof item === 'string' ? item : item.join(' ')));
      const dimensions = req.dimensions ?? builtinDimensions;
      return {
        model,
        embeddings: inputs.map((text) => mockVector(text, dimensions)),
        usage: { inputTokens: inputs.reduce((sum, text) => sum + estimateTokens(text), 0) },
      };
    },
  };
}

/**
 * The offline embedder's vector (cache/semantic/offline/embedder.ts): texts that share wording land close,
 * so the semantic cache can be tried with no embeddings provider at all.
 */
function mockVector(text: string, dimensions: number): number[] {
  const values = Array.from(embedOffline(text, dimensions));
  const norm = Math.hypot(...values) || 1;
  return values.map((v) => v / norm);
}
