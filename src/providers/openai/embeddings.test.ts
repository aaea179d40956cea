import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import type { EmbeddingsRequest } from '../../core/ir/index.ts';
import { decodeOpenAIEmbeddings, float32FromBase64, openaiEmbeddingsBody } from './embeddings.ts';

const req = (extra: Partial<EmbeddingsRequest> = {}): EmbeddingsRequest => ({
  model: 'alias',
  input: ['a', 'b'],
  native: { dialect: 'anthropic', body: {} },
  ...extra,
});

test('the body is encoded from the IR, or passed through with only the model replaced', () => {
  assert.deepEqual(openaiEmbeddingsBody(req({ dimensions: 8, encodingFormat: 'base64', user: 'u' }), 'emb'), {
    model: 'emb',
    input: ['a', 'b'],
    encoding_format: 'base64',
    dimensions: 8,
    user: 'u',
  });
  const native = { model: 'alias', input: 'one', encoding_format: 'float', extra: true };
  assert.deepEqual(openaiEmbeddingsBody(req({ native: { dialect: 'openai', body: native } }), 'emb'), {
    ...native,
    model: 'emb',
  });
});

test('base64 vectors are little-endian float32; data is put in index order', () => {
  const bytes = Buffer.alloc(8);
  bytes.writeFloatLE(0.5, 0);
  bytes.writeFloatLE(-2.25, 4);
  assert.deepEqual(float32FromBase64(bytes.toString('base64')), [0.5, -2.25]);
  const body = {
    data: [
      { index: 1, embedding: [1, 2] },
      { index: 0, embedding: bytes.toString('base64') },
    ],
    model: 'served',
    usage: { prompt_tokens: 4, total_tokens: 4 },
  };
  assert.deepEqual(decodeOpenAIEmbeddings('p', body, 'asked'), {
    model: 'served',
    embeddings: [
      [0.5, -2.25],
      [1, 2],
    ],
    usage: { inputTokens: 4 },
    raw: { dialect: 'openai', body },
  });
  assert.throws(
    () => decodeOpenAIEmbeddings('p', { object: 'list' }, 'asked'),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL',
  );
});
