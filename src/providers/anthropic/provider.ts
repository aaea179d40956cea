// The Anthropic Messages provider: HTTP only; all translation lives in the converter files beside it.
import type { AnthropicConfig } from './config.ts';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatResult, ChatStream } from '../../core/ir/index.ts';
import { retryAfterSeconds, type UpstreamResponse } from '../http.ts';
import { sseBatches } from '../sse.ts';
import { decodedStream } from '../stream-batches.ts';
import type { CallOptions, Provider, ProviderDeps } from '../types.ts';
import { anthropicHttpError } from './errors.ts';
import { anthropicCountTokensBody, anthropicRequestBody } from './request.ts';
import { decodeAnthropicMessage } from './response.ts';
import { AnthropicStreamDecoder } from './stream.ts';

export function createAnthropicProvider(name: string, config: AnthropicConfig, deps: ProviderDeps): Provider {
  const baseUrl = config.base_url.replace(/\/+$/, '');

  async function post(
    path: string,
    body: Record<string, unknown>,
    opts: CallOptions,
  ): Promise<UpstreamResponse> {
    const res = await deps.http.send({
      provider: name,
      url: `${baseUrl}${path}`,
      headers: anthropicHeaders(config, opts.headers),
      body: JSON.stringify(body),
      opts,
    });
    if (res.status >= 200 && res.status < 300) return res;
    throw anthropicHttpError(
      name,
      res.status,
      await res.text().catch(() => ''),
      retryAfterSeconds(res.headers),
    );
  }

  return {
    name,
    dialect: 'anthropic',

    async complete(req, model, opts): Promise<ChatResult> {
      const { body, warnings } = anthropicRequestBody(req, model, false);
      const res = await post('/v1/messages', body, opts);
      const { json, text } = await res.jsonAndText();
      return {
        response: decodeAnthropicMessage(name, json),
        raw: { dialect: 'anthropic', body: json, text },
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    },

    async stream(req, model, opts): Promise<ChatStream> {
      const { body, warnings } = anthropicRequestBody(req, model, true);
      const res = await post('/v1/messages', body, opts);
      return decodedStream(
        { dialect: 'anthropic', ...(warnings.length > 0 ? { warnings } : {}) },
        res,
        sseBatches(res.body),
        () => {
          const decoder = new AnthropicStreamDecoder(name);
          return {
            decode: (event) => ({ parts: decoder.decode(event), raw: event }),
            finished: () => decoder.finished,
            end(done) {
              if (done) return [];
              throw new GatehouseError(
                'GH_UPSTREAM_PROTOCOL',
                `${name}: the stream ended before message_stop.`,
                { provider: name },
              );
            },
          };
        },
      );
    },

    async countTokens(req, model, opts): Promise<number> {
      const res = await post('/v1/messages/count_tokens', anthropicCountTokensBody(req, model), opts);
      const json = (await res.json()) as { input_tokens?: unknown } | null;
      if (typeof json?.input_tokens !== 'number') {
        throw new GatehouseError(
          'GH_UPSTREAM_PROTOCOL',
          `${name}: count_tokens answered without input_tokens.`,
          {
            provider: name,
          },
        );
      }
      return json.input_tokens;
    },
  };
}

/**
 * Auth and version headers, over the configured extras (the HttpClient adds the propagated ones).
 * `anthropic-beta` may come both from the configuration and from the client (propagated in
 * `opts.headers`); Anthropic reads one comma-separated list, so the two are joined rather than one
 * silently replacing the other.
 */
export function anthropicHeaders(
  config: AnthropicConfig,
  propagated: Record<string, string> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const betas: string[] = [];
  for (const [key, value] of Object.entries(propagated ?? {})) {
    if (key.toLowerCase() === 'anthropic-beta') betas.push(...value.split(','));
  }
  for (const [key, value] of Object.entries(config.headers ?? {})) {
    if (key.toLowerCase() === 'anthropic-beta') betas.push(...value.split(','));
    else headers[key.toLowerCase()] = value;
  }
  headers['x-api-key'] = config.api_key;
  headers['anthropic-version'] = config.anthropic_version;
  headers['content-type'] = 'application/json';
  const unique = [...new Set(betas.map((beta) => beta.trim()).filter((beta) => beta !== ''))];
  if (unique.length > 0) headers['anthropic-beta'] = unique.join(',');
  return headers;
}
