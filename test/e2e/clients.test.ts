// The TypeScript clients people use, unchanged, pointed at Gatehouse: the AI SDK (`ai` with the
// `@ai-sdk/openai` default provider, which speaks the Responses API, `openai.chat`,
// `@ai-sdk/anthropic` and `@ai-sdk/openai-compatible`) and LangChain (`ChatOpenAI` on Chat
// Completions and on the Responses API, `ChatAnthropic`), each against the mock provider and every
// provider type behind its protocol-faithful mock upstream: text, streams, multi-step tools
// (streamed parallel calls included), and on the mock, structured output and embeddings.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOpenAI } from '@langchain/openai';
import {
  embed,
  embedMany,
  generateText,
  type LanguageModel,
  Output,
  stepCountIs,
  streamText,
  tool,
} from 'ai';
import { z } from 'zod';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import {
  type EveryDialect,
  providerTypes,
  startEveryDialect,
  weatherQuestion,
  weatherSchema,
} from '../upstreams/every-dialect.ts';

// The AI SDK warns on stderr about settings an unknown model name might not honour.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let gateway: Gateway;
let dialects: EveryDialect;

before(async () => {
  dialects = await startEveryDialect();
  gateway = await startTestGateway({
    providers: { ...dialects.providers, mock: { type: 'mock' } },
    models: {
      ...dialects.models,
      'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
      'mock-embed': { targets: [{ provider: 'mock', model: 'mock-embed' }] },
    },
  });
});

after(async () => {
  await gateway?.stop(0);
  await dialects?.close();
});

interface Target {
  model: string;
  /** The answer to a plain prompt, whole and streamed. */
  text(prompt: string): string;
  streamText(prompt: string): string;
  /** The answer once the tool results are in, whole and streamed, and how many calls the first turn makes. */
  finalText: string;
  streamFinalText: string;
  calls: number;
}

const mockText = (prompt: string) => `Mock answer from Gatehouse to: "${prompt}"`;
const targets: Target[] = [
  {
    model: 'mock-fast',
    text: mockText,
    streamText: mockText,
    finalText: 'Received 1 tool result.',
    streamFinalText: 'Received 1 tool result.',
    calls: 1,
  },
  ...providerTypes.map(({ type, expected }) => ({
    model: `via-${type}`,
    text: () => expected.text,
    streamText: () => expected.streamText,
    finalText: expected.finalText,
    // Streamed, an upstream answers the results from its recorded text stream.
    streamFinalText: expected.streamText,
    calls: expected.toolCalls.length,
  })),
];

const question = weatherQuestion;
const executed: string[] = [];
const getWeather = tool({
  description: 'Get the current weather for a city.',
  inputSchema: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }),
  execute: async ({ city }) => {
    executed.push(city);
    return { temp_c: 22, conditions: 'sunny' };
  },
});

describe('AI SDK', () => {
  const baseURL = () => `${gateway.url}/v1`;
  const clients: Record<string, (model: string) => LanguageModel> = {
    'openai (Responses API)': (model) => createOpenAI({ baseURL: baseURL(), apiKey: testMasterKey })(model),
    'openai.chat': (model) => createOpenAI({ baseURL: baseURL(), apiKey: testMasterKey }).chat(model),
    anthropic: (model) => createAnthropic({ baseURL: baseURL(), apiKey: testMasterKey })(model),
    'openai-compatible': (model) =>
      createOpenAICompatible({
        name: 'gatehouse',
        baseURL: baseURL(),
        apiKey: testMasterKey,
        supportsStructuredOutputs: true,
        includeUsage: true,
      })(model),
  };

  for (const [name, client] of Object.entries(clients)) {
    describe(name, () => {
      for (const target of targets) {
        describe(`→ ${target.model}`, () => {
          test('generateText', async () => {
            const result = await generateText({ model: client(target.model), prompt: 'Say something.' });
            assert.equal(result.text, target.text('Say something.'));
            assert.equal(result.finishReason, 'stop');
            assert.ok((result.usage.inputTokens ?? 0) > 0 && (result.usage.outputTokens ?? 0) > 0);
          });

          test('streamText', async () => {
            const result = streamText({ model: client(target.model), prompt: 'Say something.' });
            let text = '';
            for await (const delta of result.textStream) text += delta;
            assert.equal(text, target.streamText('Say something.'));
            assert.ok(((await result.usage).outputTokens ?? 0) > 0);
          });

          test('multi-step tools, whole and streamed', async () => {
            const whole = await generateText({
              model: client(target.model),
              prompt: question,
              tools: { get_weather: getWeather },
              stopWhen: stepCountIs(3),
            });
            assert.equal(whole.steps[0]!.toolCalls.length, target.calls);
            assert.equal(whole.steps[0]!.toolResults.length, target.calls);
            assert.equal(whole.text, target.finalText);

            const streamed = streamText({
              model: client(target.model),
              prompt: question,
              tools: { get_weather: getWeather },
              stopWhen: stepCountIs(3),
            });
            let text = '';
            for await (const delta of streamed.textStream) text += delta;
            const steps = await streamed.steps;
            assert.equal(steps[0]!.toolCalls.length, target.calls);
            assert.equal(steps.at(-1)!.text, target.streamFinalText);
            // The text stream is every step's text: words before the calls (Claude's), then the answer.
            assert.equal(text, steps.map((step) => step.text).join(''));
          });
        });
      }

      test('structured output (mock)', async () => {
        const result = await generateText({
          model: client('mock-fast'),
          prompt: 'Describe a city.',
          output: Output.object({ schema: z.object({ name: z.string(), population: z.number() }) }),
        });
        assert.deepEqual(result.output, { name: 'example', population: 1 });
      });
    });
  }

  test('embeddings through openai and openai-compatible', async () => {
    const openai = createOpenAI({ baseURL: baseURL(), apiKey: testMasterKey });
    const compatible = createOpenAICompatible({
      name: 'gatehouse',
      baseURL: baseURL(),
      apiKey: testMasterKey,
    });
    const one = await embed({ model: openai.embedding('mock-embed'), value: 'hello' });
    assert.equal(one.embedding.length, 256);
    const again = await embed({ model: compatible.embeddingModel('mock-embed'), value: 'hello' });
    assert.deepEqual(again.embedding, one.embedding);
    const many = await embedMany({ model: openai.embedding('via-openai'), values: ['Lisbon', 'Porto'] });
    assert.equal(many.embeddings.length, 2);
    assert.ok(many.embeddings.every((e) => e.length > 0));
    assert.ok((many.usage.tokens ?? 0) > 0);
  });
});

describe('LangChain', () => {
  const clients: Record<string, (model: string) => BaseChatModel> = {
    ChatOpenAI: (model) =>
      new ChatOpenAI({
        model,
        apiKey: testMasterKey,
        maxRetries: 0,
        configuration: { baseURL: `${gateway.url}/v1` },
      }),
    'ChatOpenAI (Responses API)': (model) =>
      new ChatOpenAI({
        model,
        apiKey: testMasterKey,
        maxRetries: 0,
        useResponsesApi: true,
        configuration: { baseURL: `${gateway.url}/v1` },
      }),
    ChatAnthropic: (model) =>
      new ChatAnthropic({ model, apiKey: testMasterKey, maxRetries: 0, anthropicApiUrl: gateway.url }),
  };
  const weather = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Get the current weather for a city.',
      parameters: weatherSchema,
    },
  };

  for (const [name, client] of Object.entries(clients)) {
    describe(name, () => {
      for (const target of targets) {
        describe(`→ ${target.model}`, () => {
          test('invoke', async () => {
            const message = await client(target.model).invoke('Say something.');
            assert.equal(message.text, target.text('Say something.'));
          });

          test('stream', async () => {
            let text = '';
            for await (const chunk of await client(target.model).stream('Say something.')) text += chunk.text;
            assert.equal(text, target.streamText('Say something.'));
          });

          test('bindTools', async () => {
            const model = client(target.model);
            assert.ok(model.bindTools);
            const message = await model.bindTools([weather]).invoke(question);
            assert.equal(message.tool_calls?.length, target.calls);
            for (const call of message.tool_calls ?? []) {
              assert.equal(call.name, 'get_weather');
              assert.equal(typeof call.args.city, 'string');
              assert.ok(call.id);
            }
          });
        });
      }
    });
  }
});
