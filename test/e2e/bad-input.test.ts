// A table of malformed requests: each gets the right status in the calling surface's error envelope,
// and the gateway keeps serving afterwards. No input may produce a 500, a crash or a hang.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ ...mockOnlyConfig, server: { max_body_bytes: 65_536 } });
});
after(() => gateway.stop(0));

const chat = '/v1/chat/completions';
const messages = '/v1/messages';
const ok = { model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] };
const okAnthropic = { ...ok, max_tokens: 100 };

interface Case {
  name: string;
  path?: string;
  method?: string;
  body?: string | Buffer | object;
  headers?: Record<string, string>;
  status: number;
  /** Expected `param` (OpenAI) prefix, where the error names a field. */
  param?: string;
}

const openaiCases: Case[] = [
  { name: 'truncated JSON', body: '{"model":', status: 400 },
  { name: 'JSON with a trailing comma', body: '{"model":"mock-fast",}', status: 400 },
  { name: 'top-level array', body: '[]', status: 400 },
  { name: 'top-level string', body: '"hello"', status: 400 },
  { name: 'top-level null', body: 'null', status: 400 },
  { name: 'empty body', body: '', status: 400 },
  { name: 'missing model', body: { messages: ok.messages }, status: 400, param: 'model' },
  { name: 'model is a number', body: { ...ok, model: 42 }, status: 400, param: 'model' },
  { name: 'missing messages', body: { model: 'mock-fast' }, status: 400, param: 'messages' },
  { name: 'messages is a string', body: { ...ok, messages: 'hi' }, status: 400, param: 'messages' },
  { name: 'messages is empty', body: { ...ok, messages: [] }, status: 400, param: 'messages' },
  {
    name: 'message without role',
    body: { ...ok, messages: [{ content: 'hi' }] },
    status: 400,
    param: 'messages[0]',
  },
  {
    name: 'unknown role',
    body: { ...ok, messages: [{ role: 'wizard', content: 'hi' }] },
    status: 400,
    param: 'messages[0]',
  },
  {
    name: 'content is a number',
    body: { ...ok, messages: [{ role: 'user', content: 7 }] },
    status: 400,
    param: 'messages[0]',
  },
  {
    name: 'unknown content part type',
    body: { ...ok, messages: [{ role: 'user', content: [{ type: 'hologram', data: 1 }] }] },
    status: 400,
    param: 'messages[0]',
  },
  { name: 'temperature is a string', body: { ...ok, temperature: 'hot' }, status: 400, param: 'temperature' },
  { name: 'temperature out of range', body: { ...ok, temperature: 5 }, status: 400, param: 'temperature' },
  { name: 'negative max_tokens', body: { ...ok, max_tokens: -1 }, status: 400, param: 'max_tokens' },
  { name: 'fractional max_tokens', body: { ...ok, max_tokens: 1.5 }, status: 400, param: 'max_tokens' },
  { name: 'max_tokens of 1e15', body: { ...ok, max_tokens: 1e15 }, status: 400, param: 'max_tokens' },
  {
    name: 'metadata with 5,000 pairs',
    body: { ...ok, metadata: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v'])) },
    status: 400,
    param: 'metadata',
  },
  { name: 'n is zero', body: { ...ok, n: 0 }, status: 400, param: 'n' },
  { name: 'stream is a string', body: { ...ok, stream: 'yes' }, status: 400, param: 'stream' },
  { name: 'tools is an object', body: { ...ok, tools: {} }, status: 400, param: 'tools' },
  {
    name: 'tool without a name',
    body: { ...ok, tools: [{ type: 'function', function: {} }] },
    status: 400,
    param: 'tools[0]',
  },
  {
    name: 'tool_choice names an unknown tool',
    body: {
      ...ok,
      tools: [{ type: 'function', function: { name: 'a', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'b' } },
    },
    status: 400,
    param: 'tool_choice',
  },
  {
    name: 'tool_choice is an unknown word',
    body: { ...ok, tool_choice: 'always' },
    status: 400,
    param: 'tool_choice',
  },
  {
    name: 'response_format of unknown type',
    body: { ...ok, response_format: { type: 'yaml' } },
    status: 400,
    param: 'response_format',
  },
  { name: 'stop is a number', body: { ...ok, stop: 3 }, status: 400, param: 'stop' },
  {
    name: 'tool message without tool_call_id',
    body: {
      ...ok,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'tool', content: 'x' },
      ],
    },
    status: 400,
    param: 'messages[1]',
  },
  { name: 'unknown model', body: { ...ok, model: 'no-such-model' }, status: 404, param: 'model' },
  {
    name: 'unknown provider in provider/model',
    body: { ...ok, model: 'nowhere/some-model' },
    status: 404,
    param: 'model',
  },
  { name: 'a 10 KB model name', body: { ...ok, model: 'x'.repeat(10_000) }, status: 404, param: 'model' },
  { name: 'body over the size limit', body: { ...ok, padding: 'x'.repeat(70_000) }, status: 413 },
  {
    name: 'nesting deeper than the limit',
    body: `{"model":"mock-fast","messages":[{"role":"user","content":"hi"}],"metadata":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`,
    status: 400,
  },
  { name: 'deeply nested arrays', body: `${'['.repeat(30_000)}${']'.repeat(30_000)}`, status: 400 },
  {
    name: 'invalid UTF-8',
    body: Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    status: 400,
  },
  { name: 'XML content type', body: '<chat/>', headers: { 'content-type': 'text/xml' }, status: 415 },
  {
    name: 'multipart content type',
    body: ok,
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    status: 415,
  },
  { name: 'GET on a POST route', method: 'GET', body: undefined, status: 405 },
  { name: 'unknown route', path: '/v1/nothing-here', body: ok, status: 404 },
  { name: 'missing API key', body: ok, headers: { authorization: '' }, status: 401 },
  { name: 'wrong API key', body: ok, headers: { authorization: 'Bearer wrong-key' }, status: 401 },
  { name: 'malformed Authorization header', body: ok, headers: { authorization: 'Basic abc' }, status: 401 },
  {
    name: 'run id with spaces',
    body: ok,
    headers: { 'x-gatehouse-run-id': 'my run' },
    status: 400,
    param: 'x-gatehouse-run-id',
  },
  {
    name: 'run id of 201 characters',
    body: ok,
    headers: { 'x-gatehouse-run-id': 'r'.repeat(201) },
    status: 400,
  },
  {
    name: 'embeddings without input',
    path: '/v1/embeddings',
    body: { model: 'mock-embed' },
    status: 400,
    param: 'input',
  },
  {
    name: 'embeddings with an empty string',
    path: '/v1/embeddings',
    body: { model: 'mock-embed', input: '' },
    status: 400,
    param: 'input',
  },
  {
    name: 'embeddings with absurd dimensions',
    path: '/v1/embeddings',
    body: { model: 'mock-embed', input: 'x', dimensions: 1e9 },
    status: 400,
    param: 'dimensions',
  },
  {
    name: 'embeddings with a number',
    path: '/v1/embeddings',
    body: { model: 'mock-embed', input: 5 },
    status: 400,
    param: 'input',
  },
];

const anthropicCases: Case[] = [
  { name: 'missing max_tokens', path: messages, body: ok, status: 400 },
  { name: 'invalid JSON', path: messages, body: '{', status: 400 },
  {
    name: 'system role inside messages',
    path: messages,
    body: { ...okAnthropic, messages: [{ role: 'system', content: 'x' }] },
    status: 400,
  },
  {
    name: 'unknown content block',
    path: messages,
    body: { ...okAnthropic, messages: [{ role: 'user', content: [{ type: 'hologram' }] }] },
    status: 400,
  },
  { name: 'temperature above 1', path: messages, body: { ...okAnthropic, temperature: 1.5 }, status: 400 },
  { name: 'max_tokens is zero', path: messages, body: { ...okAnthropic, max_tokens: 0 }, status: 400 },
  { name: 'max_tokens of 1e15', path: messages, body: { ...okAnthropic, max_tokens: 1e15 }, status: 400 },
  { name: 'unknown model', path: messages, body: { ...okAnthropic, model: 'no-such-model' }, status: 404 },
  { name: 'missing API key', path: messages, body: okAnthropic, headers: { 'x-api-key': '' }, status: 401 },
  {
    name: 'run id with a non-ASCII character',
    path: messages,
    body: okAnthropic,
    headers: { 'x-gatehouse-run-id': 'run-\u00e9' },
    status: 400,
  },
  {
    name: 'count_tokens without messages',
    path: '/v1/messages/count_tokens',
    body: { model: 'mock-fast' },
    status: 400,
  },
];

async function send(c: Case): Promise<Response> {
  const isAnthropic = (c.path ?? chat).startsWith(messages);
  const headers: Record<string, string> = isAnthropic
    ? { 'x-api-key': testMasterKey, 'anthropic-version': '2023-06-01' }
    : { authorization: `Bearer ${testMasterKey}` };
  if (c.body !== undefined) headers['content-type'] = 'application/json';
  for (const [key, value] of Object.entries(c.headers ?? {})) {
    if (value === '') delete headers[key];
    else headers[key] = value;
  }
  const body =
    c.body === undefined || typeof c.body === 'string'
      ? c.body
      : Buffer.isBuffer(c.body)
        ? new Uint8Array(c.body)
        : JSON.stringify(c.body);
  return fetch(gateway.url + (c.path ?? chat), {
    method: c.method ?? (c.body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
}

for (const c of openaiCases) {
  test(`OpenAI surface: ${c.name} → ${c.status}`, async () => {
    const res = await send(c);
    const body = (await res.json()) as {
      error: { message: string; type: string; param: string | null; code: string };
    };
    assert.equal(res.status, c.status, JSON.stringify(body));
    assert.ok(res.headers.get('x-request-id'));
    assert.equal(typeof body.error.message, 'string');
    assert.ok(body.error.message.length > 0 && body.error.message.length < 2000);
    assert.equal(typeof body.error.type, 'string');
    assert.ok('param' in body.error && 'code' in body.error);
    if (c.param)
      assert.ok(
        String(body.error.param).startsWith(c.param),
        `param ${body.error.param} should name ${c.param}`,
      );
  });
}

for (const c of anthropicCases) {
  test(`Anthropic surface: ${c.name} → ${c.status}`, async () => {
    const res = await send(c);
    const body = (await res.json()) as {
      type: string;
      error: { type: string; message: string };
      request_id: string;
    };
    assert.equal(res.status, c.status, JSON.stringify(body));
    assert.equal(body.type, 'error');
    assert.equal(typeof body.error.type, 'string');
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.request_id, res.headers.get('x-request-id'));
  });
}

test('an oversized header block is refused with 431 and the gateway keeps serving', async () => {
  const res = await fetch(`${gateway.url}/v1/models`, { headers: { 'x-padding': 'x'.repeat(40_000) } }).catch(
    (err) => err,
  );
  if (res instanceof Response) assert.equal(res.status, 431);
});

test('after every bad request the gateway still answers a good one', async () => {
  const res = await fetch(gateway.url + chat, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(ok),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
  assert.match(body.choices[0]!.message.content, /hi/);
});

test('the table has at least 40 malformed requests', () => {
  assert.ok(openaiCases.length + anthropicCases.length >= 40);
});
