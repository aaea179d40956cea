// Both surfaces (and OpenAI's Responses API) × all six provider types (and OpenAI's Responses API
// upstream) × {plain text, streamed text, tool call, streamed parallel tool calls, tool-result round
// trip}, driven by the official SDKs against protocol-faithful mock upstreams. What the client sees is compared with what the upstream's recorded answer says.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import {
  type EveryDialect,
  type Expected,
  providerTypes,
  startEveryDialect,
  weatherQuestion,
  weatherSchema,
  type Usage,
} from '../upstreams/every-dialect.ts';

let gateway: Gateway;
let dialects: EveryDialect;

before(async () => {
  dialects = await startEveryDialect();
  gateway = await startTestGateway({ providers: dialects.providers, models: dialects.models });
});

after(async () => {
  await gateway?.stop(0);
  await dialects?.close();
});

const question = weatherQuestion;
const results = [
  { temp_c: 22, conditions: 'sunny' },
  { temp_c: 17, conditions: 'light rain' },
];

function assertToolCalls(
  actual: Array<{ id: string; name: string; arguments: string | object }>,
  expected: Expected,
): void {
  assert.equal(actual.length, expected.toolCalls.length);
  actual.forEach((call, i) => {
    const want = expected.toolCalls[i]!;
    assert.equal(call.name, want.name);
    const args = typeof call.arguments === 'string' ? JSON.parse(call.arguments) : call.arguments;
    assert.deepEqual(args, want.arguments);
    assert.ok(call.id.length > 0);
    if (want.id) assert.equal(call.id, want.id);
  });
  assert.equal(new Set(actual.map((c) => c.id)).size, actual.length, 'tool call ids are distinct');
}

function assertOpenAIUsage(usage: OpenAI.CompletionUsage | undefined | null, want: Usage): void {
  assert.ok(usage, 'usage present');
  assert.equal(usage.prompt_tokens, want.inputTokens);
  assert.equal(usage.completion_tokens, want.outputTokens);
  assert.equal(usage.total_tokens, want.inputTokens + want.outputTokens);
  assert.equal(usage.prompt_tokens_details?.cached_tokens ?? 0, want.cacheReadTokens ?? 0);
  assert.equal(usage.completion_tokens_details?.reasoning_tokens ?? 0, want.reasoningTokens ?? 0);
}

function assertAnthropicUsage(usage: Anthropic.Usage, want: Usage): void {
  const cacheRead = want.cacheReadTokens ?? 0;
  const cacheWrite = want.cacheWriteTokens ?? 0;
  assert.equal(usage.input_tokens, want.inputTokens - cacheRead - cacheWrite);
  assert.equal(usage.cache_read_input_tokens ?? 0, cacheRead);
  assert.equal(usage.cache_creation_input_tokens ?? 0, cacheWrite);
  assert.equal(usage.output_tokens, want.outputTokens);
}

describe('OpenAI SDK', () => {
  const client = () => new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const tools: OpenAI.ChatCompletionTool[] = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Get the current weather for a city.',
        parameters: weatherSchema,
      },
    },
  ];

  for (const { type, expected } of providerTypes) {
    const model = `via-${type}`;
    describe(`→ ${type}`, () => {
      test('plain text', async () => {
        const { data, response } = await client()
          .chat.completions.create({ model, messages: [{ role: 'user', content: 'Say something.' }] })
          .withResponse();
        assert.equal(data.choices[0]!.message.content, expected.text);
        assert.equal(data.choices[0]!.finish_reason, 'stop');
        assert.ok(data.usage && data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
        assert.equal(response.headers.get('x-gatehouse-provider'), type);
        assert.ok(response.headers.get('x-request-id'));
      });

      test('streamed text', async () => {
        const stream = await client().chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'Say something.' }],
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        let finish: string | null = null;
        let usage: OpenAI.CompletionUsage | undefined | null;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
          if (chunk.usage) usage = chunk.usage;
        }
        assert.equal(text, expected.streamText);
        assert.equal(finish, 'stop');
        assertOpenAIUsage(usage, expected.streamUsage.text);
      });

      test('tool call', async () => {
        const data = await client().chat.completions.create({
          model,
          messages: [{ role: 'user', content: question }],
          tools,
        });
        const message = data.choices[0]!.message;
        assert.equal(data.choices[0]!.finish_reason, 'tool_calls');
        assertToolCalls(
          (message.tool_calls ?? []).map((c) => ({
            id: c.id,
            name: (c as OpenAI.ChatCompletionMessageFunctionToolCall).function.name,
            arguments: (c as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments,
          })),
          expected,
        );
        assertOpenAIUsage(data.usage, expected.usage);
      });

      test('streamed parallel tool calls', async () => {
        const final = await client()
          .chat.completions.stream({
            model,
            messages: [{ role: 'user', content: question }],
            tools,
            stream_options: { include_usage: true },
          })
          .finalChatCompletion();
        assert.equal(final.choices[0]!.finish_reason, 'tool_calls');
        assertToolCalls(
          (final.choices[0]!.message.tool_calls ?? []).map((c) => ({
            id: c.id,
            name: (c as OpenAI.ChatCompletionMessageFunctionToolCall).function.name,
            arguments: (c as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments,
          })),
          expected,
        );
        assertOpenAIUsage(final.usage, expected.streamUsage.tools);
      });

      test('tool result round trip', async () => {
        const first = await client().chat.completions.create({
          model,
          messages: [{ role: 'user', content: question }],
          tools,
        });
        const calls = first.choices[0]!.message.tool_calls ?? [];
        assert.equal(calls.length, expected.toolCalls.length);
        const data = await client().chat.completions.create({
          model,
          tools,
          messages: [
            { role: 'user', content: question },
            { role: 'assistant', content: null, tool_calls: calls },
            ...calls.map((call, i) => ({
              role: 'tool' as const,
              tool_call_id: call.id,
              content: JSON.stringify(results[i]),
            })),
          ],
        });
        assert.equal(data.choices[0]!.message.content, expected.finalText);
        assert.equal(data.choices[0]!.finish_reason, 'stop');
      });
    });
  }
});

describe('Anthropic SDK', () => {
  const client = () => new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
  const tools: Anthropic.Tool[] = [
    {
      name: 'get_weather',
      description: 'Get the current weather for a city.',
      input_schema: weatherSchema as Anthropic.Tool.InputSchema,
    },
  ];
  const text = (message: Anthropic.Message) =>
    message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
  const toolUses = (message: Anthropic.Message) =>
    message.content.flatMap((block) =>
      block.type === 'tool_use' ? [{ id: block.id, name: block.name, arguments: block.input as object }] : [],
    );

  for (const { type, expected } of providerTypes) {
    const model = `via-${type}`;
    describe(`→ ${type}`, () => {
      test('plain text', async () => {
        const { data, response } = await client()
          .messages.create({
            model,
            max_tokens: 512,
            messages: [{ role: 'user', content: 'Say something.' }],
          })
          .withResponse();
        assert.equal(text(data), expected.text);
        assert.equal(data.stop_reason, 'end_turn');
        assert.ok(data.usage.output_tokens > 0);
        assert.equal(response.headers.get('x-gatehouse-provider'), type);
      });

      test('streamed text', async () => {
        const message = await client()
          .messages.stream({
            model,
            max_tokens: 512,
            messages: [{ role: 'user', content: 'Say something.' }],
          })
          .finalMessage();
        assert.equal(text(message), expected.streamText);
        assert.equal(message.stop_reason, 'end_turn');
        assertAnthropicUsage(message.usage, expected.streamUsage.text);
      });

      test('tool call', async () => {
        const message = await client().messages.create({
          model,
          max_tokens: 512,
          tools,
          messages: [{ role: 'user', content: question }],
        });
        assert.equal(message.stop_reason, 'tool_use');
        assertToolCalls(toolUses(message), expected);
        assertAnthropicUsage(message.usage, expected.usage);
      });

      test('streamed parallel tool calls', async () => {
        const message = await client()
          .messages.stream({ model, max_tokens: 512, tools, messages: [{ role: 'user', content: question }] })
          .finalMessage();
        assert.equal(message.stop_reason, 'tool_use');
        assertToolCalls(toolUses(message), expected);
        assertAnthropicUsage(message.usage, expected.streamUsage.tools);
      });

      test('tool result round trip', async () => {
        const first = await client().messages.create({
          model,
          max_tokens: 512,
          tools,
          messages: [{ role: 'user', content: question }],
        });
        const uses = first.content.filter((block) => block.type === 'tool_use');
        assert.equal(uses.length, expected.toolCalls.length);
        const message = await client().messages.create({
          model,
          max_tokens: 512,
          tools,
          messages: [
            { role: 'user', content: question },
            { role: 'assistant', content: first.content },
            {
              role: 'user',
              content: uses.map((use, i) => ({
                type: 'tool_result' as const,
                tool_use_id: use.id,
                content: JSON.stringify(results[i]),
              })),
            },
          ],
        });
        assert.equal(text(message), expected.finalText);
        assert.equal(message.stop_reason, 'end_turn');
      });
    });
  }
});

describe('OpenAI SDK, Responses API', () => {
  const client = () => new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const tools: OpenAI.Responses.FunctionTool[] = [
    {
      type: 'function',
      name: 'get_weather',
      description: 'Get the current weather for a city.',
      parameters: weatherSchema,
      strict: true,
    },
  ];
  const calls = (response: OpenAI.Responses.Response) =>
    response.output.flatMap((item) =>
      item.type === 'function_call' ? [{ id: item.call_id, name: item.name, arguments: item.arguments }] : [],
    );
  const assertUsage = (usage: OpenAI.Responses.ResponseUsage | undefined, want: Usage) => {
    assert.ok(usage, 'usage present');
    assert.equal(usage.input_tokens, want.inputTokens);
    assert.equal(usage.output_tokens, want.outputTokens);
    assert.equal(usage.total_tokens, want.inputTokens + want.outputTokens);
    assert.equal(usage.input_tokens_details?.cached_tokens ?? 0, want.cacheReadTokens ?? 0);
    assert.equal(usage.output_tokens_details?.reasoning_tokens ?? 0, want.reasoningTokens ?? 0);
  };

  for (const { type, expected } of providerTypes) {
    const model = `via-${type}`;
    describe(`→ ${type}`, () => {
      test('plain text', async () => {
        const { data, response } = await client()
          .responses.create({ model, input: 'Say something.' })
          .withResponse();
        assert.equal(data.output_text, expected.text);
        assert.equal(data.status, 'completed');
        assert.ok(data.usage && data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
        assert.equal(response.headers.get('x-gatehouse-provider'), type);
      });

      test('streamed text', async () => {
        const final = await client().responses.stream({ model, input: 'Say something.' }).finalResponse();
        assert.equal(final.output_text, expected.streamText);
        assert.equal(final.status, 'completed');
        assertUsage(final.usage, expected.streamUsage.text);
      });

      test('tool call', async () => {
        const data = await client().responses.create({ model, input: question, tools });
        assertToolCalls(calls(data), expected);
        assertUsage(data.usage, expected.usage);
      });

      test('streamed parallel tool calls', async () => {
        const stream = client().responses.stream({ model, input: question, tools });
        const added: number[] = [];
        stream.on('response.output_item.added', (event) => {
          if (event.item.type === 'function_call') added.push(event.output_index);
        });
        const final = await stream.finalResponse();
        assertToolCalls(calls(final), expected);
        assert.equal(new Set(added).size, expected.toolCalls.length, 'one output item per call');
        assertUsage(final.usage, expected.streamUsage.tools);
      });

      test('tool result round trip by previous_response_id', async () => {
        const first = await client().responses.create({ model, input: question, tools });
        const made = calls(first);
        assert.equal(made.length, expected.toolCalls.length);
        const data = await client().responses.create({
          model,
          tools,
          previous_response_id: first.id,
          input: made.map((call, i) => ({
            type: 'function_call_output' as const,
            call_id: call.id,
            output: JSON.stringify(results[i]),
          })),
        });
        assert.equal(data.output_text, expected.finalText);
        assert.equal(data.status, 'completed');
      });
    });
  }
});
