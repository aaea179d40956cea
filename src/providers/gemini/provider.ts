// The Gemini (Generative Language API) provider: HTTP only; all translation lives in the converter
// files beside it. Gemini is always encoded from the IR: no client speaks its dialect to the gateway.
import type { GeminiConfig } from './config.ts';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatResult, ChatStream, EmbeddingsResult } from '../../core/ir/index.ts';
import { retryAfterSeconds, type UpstreamResponse } from '../http.ts';
import { sseBatches } from '../sse.ts';
import { decodedStream } from '../stream-batches.ts';
import type { CallOptions, Provider, ProviderDeps } from '../types.ts';
import { decodeGeminiEmbeddings, encodeGeminiEmbedBatches, estimateEmbeddingTokens } from './embeddings.ts';
import { geminiHttpError } from './errors.ts';
import { encodeGeminiRequest } from './request.ts';
import { decodeGeminiResponse } from './response.ts';
import { GeminiStreamDecoder } from './stream.ts';

export function createGeminiProvider(name: string, config: GeminiConfig, deps: ProviderDeps): Provider {
  const baseUrl = config.base_url.replace(/\/+$/, '');
  const methodUrl = (model: string, method: string): string =>
    `${baseUrl}/models/${geminiModelId(model)}:${method}`;

  async function post(url: string, body: unknown, opts: CallOptions): Promise<UpstreamResponse> {
    const res = await deps.http.send({
      provider: name,
      url,
      headers: geminiHeaders(config),
      body: JSON.stringify(body),
      opts,
    });
    if (res.status >= 200 && res.status < 300) return res;
    // Streams fail the same way: a plain JSON error body with a 4xx/5xx status, before any event.
    throw geminiHttpError(name, res.status, await res.text().catch(() => ''), retryAfterSeconds(res.headers));
  }

  return {
    name,
    dialect: 'gemini',

    async complete(req, model, opts): Promise<ChatResult> {
      const { body, warnings } = encodeGeminiRequest(req);
      const res = await post(methodUrl(model, 'generateContent'), body, opts);
      const json = await res.json();
      return {
        response: decodeGeminiResponse(name, json, geminiModelId(model)),
        raw: { dialect: 'gemini', body: json },
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    },

    async stream(req, model, opts): Promise<ChatStream> {
      const { body, warnings } = encodeGeminiRequest(req);
      const res = await post(methodUrl(model, 'streamGenerateContent?alt=sse'), body, opts);
      return decodedStream(
        { dialect: 'gemini', ...(warnings.length > 0 ? { warnings } : {}) },
        res,
        sseBatches(res.body),
        () => {
          const decoder = new GeminiStreamDecoder(name, geminiModelId(model));
          return {
            decode: (event) => ({ parts: decoder.decode(event), raw: event }),
            // No sentinel event: the end of the body is the end of the answer.
            finished: () => false,
            end: () => [{ parts: [decoder.end()] }],
          };
        },
      );
    },

    async embed(req, model, opts): Promise<EmbeddingsResult> {
      const id = geminiModelId(model);
      const batches = encodeGeminiEmbedBatches(req, id);
      const embeddings: number[][] = [];
      const bodies: unknown[] = [];
      for (const batch of batches) {
        const res = await post(methodUrl(id, 'batchEmbedContents'), batch, opts);
        const json = await res.json();
        bodies.push(json);
        embeddings.push(...decodeGeminiEmbeddings(name, json, batch.requests.length));
      }
      const texts = batches.flatMap((batch) =>
        batch.requests.map((request) => request.content.parts[0]!.text),
      );
      return {
        model: id,
        embeddings,
        usage: { inputTokens: estimateEmbeddingTokens(texts) },
        raw: { dialect: 'gemini', body: bodies.length === 1 ? bodies[0] : bodies },
      };
    },

    async countTokens(req, model, opts): Promise<number> {
      const id = geminiModelId(model);
      const { body } = encodeGeminiRequest(req);
      const res = await post(
        methodUrl(id, 'countTokens'),
        { generateContentRequest: { model: `models/${id}`, ...body } },
        opts,
      );
      const json = (await res.json()) as { totalTokens?: unknown } | null;
      if (typeof json?.totalTokens !== 'number') {
        throw new GatehouseError(
          'GH_UPSTREAM_PROTOCOL',
          `${name}: countTokens answered without totalTokens.`,
          {
            provider: name,
          },
        );
      }
      return json.totalTokens;
    },
  };
}

/** The model id for the URL: configured names may carry the API's `models/` resource prefix or not. */
export function geminiModelId(model: string): string {
  return model.startsWith('models/') ? model.slice('models/'.length) : model;
}

/** The API key over the configured extra headers (the HttpClient adds the propagated ones). */
function geminiHeaders(config: GeminiConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(config.headers ?? {})) headers[key.toLowerCase()] = value;
  headers['x-goog-api-key'] = config.api_key;
  headers['content-type'] = 'application/json';
  return headers;
}
