import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import type { StreamPart } from '../../core/ir/index.ts';
import { fixtureText } from '../../../test/fixtures/index.ts';
import { OpenAIStreamDecoder, plainContentDelta } from './stream.ts';

const chunk = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => ({
  data: JSON.stringify({
    id: 'chatcmpl-s',
    object: 'chat.completion.chunk',
    model: 'gpt-x',
    choices: choice ? [{ index: 0, finish_reason: null, ...choice }] : [],
    ...extra,
  }),
});
const done = { data: '[DONE]' };

function decodeAll(
  events: Array<{ event?: string; data: string }>,
  decoder = new OpenAIStreamDecoder('p', 'm'),
) {
  return events.map((e) => decoder.decode(e));
}

test('text then finish chunk, usage chunk, [DONE]: the finish waits for [DONE] and carries the usage', () => {
  const [start, text, finish, usage, end] = decodeAll([
    chunk({ delta: { role: 'assistant', content: '' } }),
    chunk({ delta: { content: 'Hi' } }),
    chunk({ delta: {}, finish_reason: 'length' }),
    chunk(null, {
      usage: { prompt_tokens: 9, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } },
    }),
    done,
  ]);
  assert.deepEqual(start, [{ type: 'start', id: 'chatcmpl-s', model: 'gpt-x' }]);
  assert.deepEqual(text, [{ type: 'text', text: 'Hi' }]);
  assert.deepEqual(finish, []);
  const irUsage = { inputTokens: 9, outputTokens: 2, cacheReadTokens: 4 };
  assert.deepEqual(usage, [{ type: 'usage', usage: irUsage }], 'the usage chunk holds only the usage part');
  assert.deepEqual(end, [{ type: 'finish', finishReason: 'length', usage: irUsage }]);
});

test('compatible servers: arguments in the first fragment, a whole call in one chunk, no ids, no [DONE]', () => {
  const decoder = new OpenAIStreamDecoder('p', 'requested');
  const parts = [
    { data: JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] }) },
    {
      data: JSON.stringify({
        choices: [
          {
            delta: {
              tool_calls: [
                { index: 0, function: { name: 'get_weather', arguments: '{"city":' } },
                { index: 1, id: 'call_b', function: { name: 'now', arguments: '{}' } },
              ],
            },
          },
        ],
      }),
    },
    {
      data: JSON.stringify({
        choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '"Porto"}' } }] } }],
      }),
    },
    {
      data: JSON.stringify({
        choices: [{ delta: {}, finish_reason: 'tool_calls' }],
        usage: { prompt_tokens: 5, completion_tokens: 7 },
      }),
    },
  ].flatMap((e) => decoder.decode(e));
  assert.equal(decoder.finished, false);
  const tail = decoder.end();
  assert.equal(decoder.finished, true);
  const [start, first, firstArgs, second, secondArgs, rest, end0, end1, ...none] = parts;
  assert.ok(start?.type === 'start' && /^chatcmpl-/.test(start.id) && start.model === 'requested');
  assert.ok(first?.type === 'tool_call_start' && first.index === 0 && /^call_/.test(first.id));
  assert.deepEqual(firstArgs, { type: 'tool_call_delta', index: 0, arguments: '{"city":' });
  assert.deepEqual(second, { type: 'tool_call_start', index: 1, id: 'call_b', name: 'now' });
  assert.deepEqual(secondArgs, { type: 'tool_call_delta', index: 1, arguments: '{}' });
  assert.deepEqual(rest, { type: 'tool_call_delta', index: 0, arguments: '"Porto"}' });
  assert.deepEqual(
    [end0, end1],
    [
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_end', index: 1 },
    ],
  );
  assert.deepEqual(none, [], 'usage on the finish chunk is kept for the finish, not a usage part');
  assert.deepEqual(tail, [
    { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 5, outputTokens: 7 } },
  ]);
});

test('a call whose name comes after its first arguments starts once named; a call without arguments gets "{}"', () => {
  const parts = decodeAll([
    chunk({ delta: { tool_calls: [{ index: 0, id: 'c0', function: { arguments: '{"a"' } }] } }),
    chunk({ delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: ':1}' } }] } }),
    chunk({ delta: { tool_calls: [{ index: 1, id: 'c1', function: { name: 'g', arguments: '' } }] } }),
    chunk({ delta: {}, finish_reason: 'tool_calls' }),
    done,
  ]).flat();
  assert.deepEqual(parts.slice(1), [
    { type: 'tool_call_start', index: 0, id: 'c0', name: 'f' },
    { type: 'tool_call_delta', index: 0, arguments: '{"a"' },
    { type: 'tool_call_delta', index: 0, arguments: ':1}' },
    { type: 'tool_call_start', index: 1, id: 'c1', name: 'g' },
    { type: 'tool_call_end', index: 0 },
    { type: 'tool_call_delta', index: 1, arguments: '{}' },
    { type: 'tool_call_end', index: 1 },
    { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 0, outputTokens: 0 } },
  ]);
});

test('reasoning deltas become thinking; other choices (n > 1) are left to the raw events', () => {
  const parts = decodeAll([
    chunk({ delta: { reasoning_content: 'Think' } }),
    chunk({ delta: { reasoning: 'ing.' } }),
    { data: JSON.stringify({ id: 'x', choices: [{ index: 1, delta: { content: 'other choice' } }] }) },
    chunk({ delta: { content: 'Answer' }, finish_reason: 'stop' }),
    done,
  ]).flat();
  assert.deepEqual(
    parts.filter((p) => p.type === 'thinking' || p.type === 'text'),
    [
      { type: 'thinking', text: 'Think' },
      { type: 'thinking', text: 'ing.' },
      { type: 'text', text: 'Answer' },
    ],
  );
  assert.deepEqual(parts.at(-1), {
    type: 'finish',
    finishReason: 'stop',
    usage: { inputTokens: 0, outputTokens: 0 },
  });
});

test('error payloads are thrown classified: {"error":…} data and `event: error`', () => {
  const decoder = new OpenAIStreamDecoder('p', 'm');
  decoder.decode(chunk({ delta: { content: 'a' } }));
  assert.throws(
    () =>
      decoder.decode({
        data: JSON.stringify({ error: { message: 'boom', type: 'server_error', param: null, code: null } }),
      }),
    (err: GatehouseError) =>
      err.code === 'GH_UPSTREAM_ERROR' && err.retryable && err.upstreamType === 'server_error',
  );
  assert.throws(
    () =>
      new OpenAIStreamDecoder('p', 'm').decode({
        event: 'error',
        data: JSON.stringify({ error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }),
      }),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_RATE_LIMITED' && err.status === 429,
  );
});

test('a stream cut off before any finish_reason, or with non-JSON data, is a protocol error', () => {
  const decoder = new OpenAIStreamDecoder('p', 'm');
  decoder.decode(chunk({ delta: { content: 'a' } }));
  assert.throws(
    () => decoder.end(),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL' && err.retryable,
  );
  assert.throws(
    () => new OpenAIStreamDecoder('p', 'm').decode({ data: '{not json' }),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL',
  );
  const blank: StreamPart[] = new OpenAIStreamDecoder('p', 'm').decode({ data: '' });
  assert.deepEqual(blank, [], 'a blank keep-alive carries nothing');
});

// An event OpenAI would send with one choice's text, written as OpenAI writes it.
const plain = (content: string, rest = ',"usage":null,"obfuscation":"Ab3"') =>
  `{"id":"chatcmpl-s","object":"chat.completion.chunk","created":1767225601,"model":"gpt-x",` +
  `"service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":` +
  `${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]${rest}}`;

test('a text-only event is read without a full parse, to the same text, escapes and all', () => {
  for (const text of [
    'Hi',
    '',
    ' caf\u00e9 \u{1F600}',
    'a "quoted" \\ line\n',
    '"},"logprobs":null}],"usage":{"x":1}',
  ]) {
    assert.equal(plainContentDelta(plain(text)), text);
    assert.equal(plainContentDelta(plain(text, '')), text, 'without usage and obfuscation');
  }
});

test('any other event is left to the full parse', () => {
  const others = [
    plain('x').replace('"finish_reason":null', '"finish_reason":"stop"'),
    plain('x').replace('"usage":null', '"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}'),
    plain('x').replace('"delta":{"content":"x"}', '"delta":{"role":"assistant","content":"x"}'),
    plain('x').replace('"delta":{"content":"x"}', '"delta":{"content":"x","refusal":null}'),
    plain('x').replace(
      '"delta":{"content":"x"}',
      '"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}',
    ),
    plain('x').replace('"delta":{"content":"x"}', '"delta":{"reasoning_content":"x"}'),
    plain('x').replace('"index":0', '"index":1'),
    plain('x').replace('"system_fingerprint":"fp_1"', '"system_fingerprint":null'),
    plain('x').replace('"content":', '"content": '),
    plain('x').replace('}]', '},{"index":1,"delta":{"content":"y"},"logprobs":null,"finish_reason":null}]'),
    `${plain('x').slice(0, -1)},"error":{"message":"boom"}}`,
    plain('x').slice(0, -1),
  ];
  for (const data of others) assert.equal(plainContentDelta(data), undefined, data);
});

test('a text event with a bad escape is still a protocol error', () => {
  const decoder = new OpenAIStreamDecoder('p', 'm');
  decoder.decode({ data: plain('first') });
  const bad = plain('x').replace('"content":"x"', String.raw`"content":"\q"`);
  assert.throws(
    () => decoder.decode({ data: bad }),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL',
  );
});

test('every event of the recorded streams decodes the same with and without the shortcut', () => {
  let shortcuts = 0;
  for (const file of ['stream-text.sse', 'stream-tools.sse']) {
    const events = fixtureText('openai-chat', file)
      .split('\n\n')
      .map((block) => block.replace(/^data: /, '').trim())
      .filter((data) => data !== '');
    for (const data of events) {
      const text = plainContentDelta(data);
      if (text === undefined) continue;
      shortcuts++;
      const parsed = JSON.parse(data);
      assert.deepEqual(parsed.choices, [
        { index: 0, delta: { content: text }, logprobs: null, finish_reason: null },
      ]);
      assert.ok(parsed.usage === null || parsed.usage === undefined);
    }
  }
  assert.ok(shortcuts > 5, 'the recorded text events take the shortcut');
});
