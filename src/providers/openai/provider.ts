// The OpenAI Chat Completions provider, shared by the openai, azure-openai and openai-compatible
// types: HTTP only; all translation lives in the converter files beside it.
import type { AzureOpenAIConfig, OpenAICompatibleConfig, OpenAIConfig } from './config.ts';
import type { ChatResult, ChatStream, EmbeddingsResult } from '../../core/ir/index.ts';
import { retryAfterSeconds, type UpstreamResponse } from '../http.ts';
import { sseBatches } from '../sse.ts';
import { decodedStream } from '../stream-batches.ts';
import type { CallOptions, Provider, ProviderDeps } from '../types.ts';
import { decodeOpenAIEmbeddings, openaiEmbeddingsBody } from './embeddings.ts';
import {
  azureOpenAIEndpoints,
  type OpenAIEndpoints,
  openaiCompatibleEndpoints,
  openaiEndpoints,
} from './endpoints.ts';
import { openaiHttpError } from './errors.ts';
import { openaiRequestBody } from './request.ts';
import { decodeOpenAICompletion } from './response.ts';
import { OpenAIStreamDecoder } from './stream.ts';

export function createOpenAIProvider(name: string, config: OpenAIConfig, deps: ProviderDeps): Provider {
  return createOpenAIDialectProvider(name, openaiEndpoints(config), deps);
}

export function createAzureOpenAIProvider(
  name: string,
  config: AzureOpenAIConfig,
  deps: ProviderDeps,
): Provider {
  return createOpenAIDialectProvider(name, azureOpenAIEndpoints(config), deps);
}

export function createOpenAICompatibleProvider(
  name: string,
  config: OpenAICompatibleConfig,
  deps: ProviderDeps,
): Provider {
  return createOpenAIDialectProvider(name, openaiCompatibleEndpoints(config), deps);
}

function createOpenAIDialectProvider(name: string, endpoints: OpenAIEndpoints, deps: ProviderDeps): Provider {
  async function post(
    url: string,
    body: Record<string, unknown>,
    opts: CallOptions,
  ): Promise<UpstreamResponse> {
    const res = await deps.http.send({
      provider: name,
      url,
      headers: endpoints.headers,
      body: JSON.stringify(body),
      opts,
    });
    if (res.status >= 200 && res.status < 300) return res;
    throw openaiHttpError(name, res.status, await res.text().catch(() => ''), retryAfterSeconds(res.headers));
  }

  return {
    name,
    dialect: 'openai',

    async complete(req, model, opts): Promise<ChatResult> {
      const { body, warnings } = openaiRequestBody(req, model, false);
      const res = await post(endpoints.chatUrl(model), body, opts);
      const { json, text } = await res.jsonAndText();
      return {
        response: decodeOpenAICompletion(name, json, model),
        raw: { dialect: 'openai', body: json, text },
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    },

    async stream(req, model, opts): Promise<ChatStream> {
      const { body, warnings } = openaiRequestBody(req, model, true);
      const res = await post(endpoints.chatUrl(model), body, opts);
      return decodedStream(
        { dialect: 'openai', ...(warnings.length > 0 ? { warnings } : {}) },
        res,
        sseBatches(res.body),
        () => {
          const decoder = new OpenAIStreamDecoder(name, model);
          return {
            decode(event) {
              const parts = decoder.decode(event);
              // A blank keep-alive event carries nothing a client could parse, so it has no raw to forward.
              return event.data.trim() === '' ? { parts } : { parts, raw: event };
            },
            finished: () => decoder.finished,
            // No [DONE]: some compatible servers just close the body after the last chunk.
            end: (done) => (done ? [] : [{ parts: decoder.end() }]),
          };
        },
      );
    },

    async embed(req, model, opts): Promise<EmbeddingsResult> {
      const res = await post(endpoints.embeddingsUrl(model), openaiEmbeddingsBody(req, model), opts);
      return decodeOpenAIEmbeddings(name, await res.json(), model);
    },
  };
}
