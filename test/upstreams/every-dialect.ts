// Every provider type behind its protocol-faithful mock upstream, configured as models named
// `via-<type>`, with what a client should see from each (derived from the recorded fixtures): the
// set-up the client matrices share.
import { anthropicExpected, startAnthropicUpstream } from './anthropic.ts';
import { bedrockExpected, startBedrockUpstream } from './bedrock.ts';
import { geminiExpected, startGeminiUpstream } from './gemini.ts';
import { openaiExpected, startOpenAIUpstream } from './openai.ts';
import { openaiResponsesExpected, startOpenAIResponsesUpstream } from './openai-responses.ts';
import type { MockUpstream } from './server.ts';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export interface Expected {
  text: string;
  finalText: string;
  streamText: string;
  toolCalls: Array<{ id?: string; name: string; arguments: Record<string, unknown> }>;
  usage: Usage;
  streamUsage: { text: Usage; tools: Usage };
}

export const providerTypes: Array<{ type: string; expected: Expected }> = [
  { type: 'openai', expected: openaiExpected },
  { type: 'azure-openai', expected: openaiExpected },
  { type: 'openai-compatible', expected: openaiExpected },
  { type: 'anthropic', expected: anthropicExpected },
  { type: 'gemini', expected: geminiExpected },
  { type: 'bedrock', expected: bedrockExpected as Expected },
  // The openai type again, speaking the Responses API (`api: responses`).
  { type: 'openai-responses', expected: openaiResponsesExpected },
];

/** The question every recorded tool turn answers, and the tool it calls. */
export const weatherQuestion = "What's the weather in Lisbon and in Porto right now?";
export const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};

export interface EveryDialect {
  upstreams: MockUpstream[];
  /** `providers` and `models` for the gateway's configuration. */
  providers: Record<string, Record<string, unknown>>;
  models: Record<string, { targets: Array<{ provider: string; model: string }> }>;
  close(): Promise<void>;
}

export async function startEveryDialect(): Promise<EveryDialect> {
  const [oa, an, ge, br, rs] = await Promise.all([
    startOpenAIUpstream(),
    startAnthropicUpstream(),
    startGeminiUpstream(),
    startBedrockUpstream(),
    startOpenAIResponsesUpstream(),
  ]);
  const upstreams = [oa, an, ge, br, rs];
  const providers: Record<string, Record<string, unknown>> = {
    openai: { type: 'openai', base_url: `${oa.url}/v1`, api_key: 'sk-upstream' },
    'azure-openai': { type: 'azure-openai', base_url: oa.url, api_key: 'azure-upstream' },
    'openai-compatible': { type: 'openai-compatible', base_url: `${oa.url}/v1`, api_key: 'sk-upstream' },
    anthropic: { type: 'anthropic', base_url: an.url, api_key: 'sk-ant-upstream' },
    gemini: { type: 'gemini', base_url: `${ge.url}/v1beta`, api_key: 'gemini-upstream' },
    bedrock: {
      type: 'bedrock',
      region: 'us-east-1',
      base_url: br.url,
      access_key_id: 'AKIDEXAMPLE',
      secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    },
    'openai-responses': {
      type: 'openai',
      api: 'responses',
      base_url: `${rs.url}/v1`,
      api_key: 'sk-upstream',
    },
  };
  const models = Object.fromEntries(
    Object.keys(providers).map((name) => [
      `via-${name}`,
      { targets: [{ provider: name, model: `${name}-model` }] },
    ]),
  );
  return {
    upstreams,
    providers,
    models,
    close: async () => {
      await Promise.all(upstreams.map((up) => up.close()));
    },
  };
}
