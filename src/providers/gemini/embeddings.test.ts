import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError } from '../../core/errors/index.ts';
import type { EmbeddingsRequest } from '../../core/ir/index.ts';
import { decodeGeminiEmbeddings, encodeGeminiEmbedBatches, estimateEmbeddingTokens } from './embeddings.ts';

const request = (input: EmbeddingsRequest['input'], dimensions?: number): EmbeddingsRequest => ({
  model: 'embed',
  input,
  ...(dimensions !== undefined ? { dimensions } : {}),
  native: { dialect: 'openai', body: {} },
});

test('each text is one request naming its model, in batches of at most 100', () => {
  const batches = encodeGeminiEmbedBatches(request(['a', 'b'], 64), 'gemini-embedding-001');
  assert.deepEqual(batches, [
    {
      requests: [
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'a' }] },
          outputDimensionality: 64,
        },
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'b' }] },
          outputDimensionality: 64,
        },
      ],
    },
  ]);
  const many = encodeGeminiEmbedBatches(request(Array.from({ length: 250 }, (_, i) => `t${i}`)), 'm');
  assert.deepEqual(
    many.map((b) => b.requests.length),
    [100, 100, 50],
  );
  assert.equal(many[2]!.requests[49]!.content.parts[0]!.text, 't249');
  assert.equal('outputDimensionality' in many[0]!.requests[0]!, false);
});

test('token arrays are refused', () => {
  assert.throws(
    () => encodeGeminiEmbedBatches(request([[1, 2, 3]]), 'm'),
    (err: unknown) =>
      err instanceof GatehouseError && err.code === 'GH_UNSUPPORTED_BY_PROVIDER' && err.param === 'input[0]',
  );
});

test('vectors decode in order; a short answer is a protocol error', () => {
  const body = { embeddings: [{ values: [0.1, 0.2] }, { values: [0.3, 0.4] }] };
  assert.deepEqual(decodeGeminiEmbeddings('g', body, 2), [
    [0.1, 0.2],
    [0.3, 0.4],
  ]);
  for (const bad of [{ embeddings: [{ values: [0.1] }] }, { embeddings: [{}, {}] }, null]) {
    assert.throws(
      () => decodeGeminiEmbeddings('g', bad, 2),
      (err: unknown) => err instanceof GatehouseError && err.code === 'GH_UPSTREAM_PROTOCOL',
    );
  }
});

test('usage is estimated at four characters a token', () => {
  assert.equal(estimateEmbeddingTokens(['abcd', 'abcde']), 3);
  assert.equal(estimateEmbeddingTokens([]), 0);
});
