// IR embeddings ↔ Gemini `batchEmbedContents`. The API embeds at most 100 texts per call, takes text
// only (no token arrays), and reports no token usage, so the gateway estimates it.
import { GatehouseError } from '../../core/errors/index.ts';
import type { EmbeddingsRequest } from '../../core/ir/index.ts';

/** The most requests one batchEmbedContents call accepts. */
export const embedBatchLimit = 100;

export interface GeminiEmbedBatch {
  requests: Array<{
    model: string;
    content: { parts: Array<{ text: string }> };
    outputDimensionality?: number;
  }>;
}

/** The batch bodies for `{base_url}/models/{model}:batchEmbedContents`, in input order. */
export function encodeGeminiEmbedBatches(req: EmbeddingsRequest, model: string): GeminiEmbedBatch[] {
  const texts = req.input.map((item, i) => {
    if (typeof item === 'string') return item;
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      'Gemini embeds text only; send the input as strings, not token arrays.',
      { param: `input[${i}]` },
    );
  });
  const batches: GeminiEmbedBatch[] = [];
  for (let start = 0; start < texts.length; start += embedBatchLimit) {
    batches.push({
      requests: texts.slice(start, start + embedBatchLimit).map((text) => ({
        // Each request names its model again, with the resource prefix the URL leaves out.
        model: `models/${model}`,
        content: { parts: [{ text }] },
        ...(req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {}),
      })),
    });
  }
  return batches;
}

/** The vectors of one batch answer; a count that does not match the batch is a protocol failure. */
export function decodeGeminiEmbeddings(provider: string, body: unknown, expected: number): number[][] {
  const embeddings = (body as { embeddings?: Array<{ values?: unknown }> } | null)?.embeddings;
  const vectors = Array.isArray(embeddings) ? embeddings.map((embedding) => embedding?.values) : [];
  if (vectors.length !== expected || !vectors.every(isVector)) {
    throw new GatehouseError(
      'GH_UPSTREAM_PROTOCOL',
      `${provider} answered batchEmbedContents without one vector per input (${expected} expected).`,
      { provider },
    );
  }
  return vectors as number[][];
}

/**
 * Gemini's embedding answers carry no token count, so usage is estimated at four characters a token
 * (the usual rule of thumb for English text): good enough for budgets and logs, not for exact billing.
 */
export function estimateEmbeddingTokens(texts: readonly string[]): number {
  return Math.ceil(texts.reduce((sum, text) => sum + text.length, 0) / 4);
}

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => typeof n === 'number');
}
