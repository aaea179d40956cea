// The OpenAI provider speaking the Responses API (`api: responses`): for models and features
// OpenAI offers only there. Always translated from the IR; answers are never passed through.
import type { OpenAIConfig } from './config.ts';
import type { ChatResult, ChatStream } from '../../core/ir/index.ts';
import { retryAfterSeconds } from '../http.ts';
import { sseBatches } from '../sse.ts';
import { decodedStream } from '../stream-batches.ts';
import type { CallOptions, Provider, ProviderDeps } from '../types.ts';
import { openaiEndpoints } from './endpoints.ts';
import { openaiHttpError } from './errors.ts';
import { responsesRequestBody } from './responses-request.ts';
import { decodeResponsesAnswer } from './responses-response.ts';
import { endedBeforeCompletion, ResponsesStreamDecoder } from './responses-stream.ts';

export function createOpenAIResponsesProvider(
  name: string,
  config: OpenAIConfig,
  deps: ProviderDeps,
): Provider {
  const endpoints = openaiEndpoints(config);
  const url = endpoints.chatUrl('').replace(/\/chat\/completions$/, '/responses');

  async function post(body: Record<string, unknown>, opts: CallOptions) {
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
    dialect: 'openai-responses',
    async complete(req, model, opts): Promise<ChatResult> {
      const { body, warnings } = responsesRequestBody(req, model, false);
      const { json, text } = await (await post(body, opts)).jsonAndText();
      return {
        response: decodeResponsesAnswer(name, json, model),
        raw: { dialect: 'openai-responses', body: json, text },
        warnings,
      };
    },
    async stream(req, model, opts): Promise<ChatStream> {
      const { body, warnings } = responsesRequestBody(req, model, true);
      const res = await post(body, opts);
      return decodedStream({ dialect: 'openai-responses', warnings }, res, sseBatches(res.body), () => {
        const decoder = new ResponsesStreamDecoder(name, model);
        return {
          decode: (event) => decoder.decode(event),
          finished: () => decoder.finished,
          end(done) {
            if (done) return [];
            throw endedBeforeCompletion(name);
          },
        };
      });
    },
  };
}
