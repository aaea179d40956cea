// POST /v1/embeddings and GET /v1/models.
import { z } from 'zod';
import type { EmbeddingsRequest, EmbeddingsResult } from '../../core/ir/index.ts';
import { validateBody } from '../validate.ts';

const nonEmpty = z.string().min(1, 'inputs must not be empty strings');
const tokenArray = z.array(z.number().int().min(0)).min(1);

const embeddingsSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    nonEmpty,
    z.array(nonEmpty).min(1).max(2048),
    tokenArray,
    z.array(tokenArray).min(1).max(2048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  // Above every embedding model's width (4,096 at most today); a billion would have the built-in mock
  // build a billion numbers.
  dimensions: z
    .number()
    .int('expected a whole number from 1 to 16384')
    .min(1, 'expected a whole number from 1 to 16384')
    .max(16_384, 'expected a whole number from 1 to 16384')
    .optional(),
  user: z.string().optional(),
});

export function decodeEmbeddingsRequest(body: unknown): EmbeddingsRequest {
  const parsed = validateBody(embeddingsSchema, body);
  const { input } = parsed;
  const req: EmbeddingsRequest = {
    model: parsed.model,
    input:
      typeof input === 'string'
        ? [input]
        : typeof input[0] === 'number'
          ? [input as number[]]
          : (input as string[] | number[][]),
    native: { dialect: 'openai', body: body as Record<string, unknown> },
  };
  if (parsed.encoding_format) req.encodingFormat = parsed.encoding_format;
  if (parsed.dimensions !== undefined) req.dimensions = parsed.dimensions;
  if (parsed.user !== undefined) req.user = parsed.user;
  return req;
}

export function encodeEmbeddingsResponse(
  result: EmbeddingsResult,
  req: EmbeddingsRequest,
): Record<string, unknown> {
  if (result.raw?.dialect === 'openai' && result.raw.body !== null && typeof result.raw.body === 'object') {
    return result.raw.body as Record<string, unknown>;
  }
  const base64 = req.encodingFormat === 'base64';
  return {
    object: 'list',
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? float32Base64(vector) : vector,
    })),
    model: result.model,
    usage: { prompt_tokens: result.usage.inputTokens, total_tokens: result.usage.inputTokens },
  };
}

/** OpenAI's base64 encoding: little-endian float32 values. */
function float32Base64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}

/** `created` is when the gateway loaded its models (Unix seconds): clients sort and cache by it. */
export function encodeModelList(
  models: Array<{ id: string; ownedBy: string }>,
  created: number,
): Record<string, unknown> {
  return {
    object: 'list',
    data: models.map((m) => ({ id: m.id, object: 'model', created, owned_by: m.ownedBy })),
  };
}
