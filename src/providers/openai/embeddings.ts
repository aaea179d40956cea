// Embeddings: the body sent to /embeddings, and the answer in IR terms. Vectors answered as base64
// (little-endian float32, OpenAI's `encoding_format: base64`) are decoded so that every surface can
// use them; the raw body stays available for an OpenAI-format client that asked for base64.
import { GatehouseError } from '../../core/errors/index.ts';
import type { EmbeddingsRequest, EmbeddingsResult } from '../../core/ir/index.ts';
import type { OpenAIEmbeddingsResponse } from './wire.ts';

export function openaiEmbeddingsBody(req: EmbeddingsRequest, model: string): Record<string, unknown> {
  if (req.native?.dialect === 'openai') return { ...req.native.body, model };
  return {
    model,
    input: req.input,
    ...(req.encodingFormat !== undefined ? { encoding_format: req.encodingFormat } : {}),
    ...(req.dimensions !== undefined ? { dimensions: req.dimensions } : {}),
    ...(req.user !== undefined ? { user: req.user } : {}),
  };
}

export function decodeOpenAIEmbeddings(provider: string, body: unknown, model: string): EmbeddingsResult {
  const answer = (body ?? {}) as OpenAIEmbeddingsResponse;
  if (typeof answer !== 'object' || !Array.isArray(answer.data)) {
    throw protocol(provider, 'answered embeddings without a data list');
  }
  const items = answer.data
    .map((item, position) => ({ index: typeof item?.index === 'number' ? item.index : position, item }))
    .sort((a, b) => a.index - b.index);
  const embeddings = items.map(({ item }) => {
    const vector = item?.embedding;
    if (typeof vector === 'string') return float32FromBase64(vector);
    if (Array.isArray(vector) && vector.every((value) => typeof value === 'number')) return vector;
    throw protocol(provider, 'answered an embedding that is neither a number list nor base64');
  });
  return {
    model: typeof answer.model === 'string' && answer.model !== '' ? answer.model : model,
    embeddings,
    usage: { inputTokens: answer.usage?.prompt_tokens ?? 0 },
    raw: { dialect: 'openai', body },
  };
}

/** base64 of little-endian float32 values → numbers. */
export function float32FromBase64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: number[] = [];
  for (let offset = 0; offset + 4 <= bytes.byteLength; offset += 4) {
    values.push(view.getFloat32(offset, true));
  }
  return values;
}

function protocol(provider: string, problem: string): GatehouseError {
  return new GatehouseError('GH_UPSTREAM_PROTOCOL', `${provider} ${problem}.`, { provider });
}
