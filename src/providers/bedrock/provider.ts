// The Bedrock provider: Converse and ConverseStream over HTTP, signed with SigV4 (service
// `bedrock`) or sent with a Bedrock API key as a bearer token.
import aws4 from 'aws4';
import type { BedrockConfig } from './config.ts';
import type { ChatRequest, ChatStream } from '../../core/ir/index.ts';
import type { CallOptions, Provider, ProviderDeps } from '../types.ts';
import { bedrockHttpError } from './errors.ts';
import { decodedStream } from '../stream-batches.ts';
import { eventStreamBatches } from './event-stream.ts';
import { converseRequest } from './request.ts';
import { converseResponseToIR } from './response.ts';
import { ConverseStreamDecoder } from './stream.ts';

export function createBedrockProvider(name: string, config: BedrockConfig, deps: ProviderDeps): Provider {
  const base = new URL(config.base_url ?? `https://bedrock-runtime.${config.region}.amazonaws.com`);
  const basePath = base.pathname.replace(/\/+$/, '');

  async function send(req: ChatRequest, model: string, opts: CallOptions, stream: boolean) {
    const { body, warnings } = converseRequest(req);
    const text = JSON.stringify(body);
    const path = `${basePath}/model/${encodeURIComponent(model)}/${stream ? 'converse-stream' : 'converse'}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'application/vnd.amazon.eventstream' : 'application/json',
      ...config.headers,
    };
    if (config.api_key) {
      headers.authorization = `Bearer ${config.api_key}`;
    } else {
      // Signs exactly the host, path and body sent below.
      const signed = aws4.sign(
        {
          host: base.host,
          path,
          method: 'POST',
          service: 'bedrock',
          region: config.region,
          headers: { ...headers },
          body: text,
        },
        {
          accessKeyId: config.access_key_id!,
          secretAccessKey: config.secret_access_key!,
          ...(config.session_token ? { sessionToken: config.session_token } : {}),
        },
      );
      Object.assign(headers, signed.headers);
      delete headers.Host;
      delete headers['Content-Length'];
    }
    const res = await deps.http.send({
      provider: name,
      url: `${base.origin}${path}`,
      headers,
      body: text,
      opts,
    });
    if (res.status >= 300) throw bedrockHttpError(name, res.status, res.headers, await res.text());
    return { res, warnings };
  }

  return {
    name,
    dialect: 'bedrock',
    async complete(req, model, opts) {
      const { res, warnings } = await send(req, model, opts, false);
      const body = await res.json();
      return {
        response: converseResponseToIR(body, `bedrock-${opts.requestId}`, model, name),
        raw: { dialect: 'bedrock', body },
        warnings,
      };
    },
    async stream(req, model, opts): Promise<ChatStream> {
      const { res, warnings } = await send(req, model, opts, true);
      return decodedStream({ dialect: 'bedrock', warnings }, res, eventStreamBatches(res.body, name), () => {
        const decoder = new ConverseStreamDecoder({ id: `bedrock-${opts.requestId}`, model, provider: name });
        return {
          decode: (frame) => decoder.decode(frame),
          // The finish comes with the end of the stream: usage may follow messageStop.
          finished: () => false,
          end: () => [decoder.end()],
        };
      });
    },
  };
}
