// The offline mock provider either honours a request feature or says in x-gatehouse-warnings that
// it did not, like every other provider: `n` is reported, JSON output is honoured.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
let client: OpenAI;
before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: testMasterKey, maxRetries: 0 });
});
after(() => gateway.stop(0));

const messages = [{ role: 'user' as const, content: 'Name a colour' }];

test('n: 2 returns one choice and says so, streamed or not', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'mock-fast', messages, n: 2 })
    .withResponse();
  assert.equal(data.choices.length, 1);
  assert.match(
    response.headers.get('x-gatehouse-warnings') ?? '',
    /n=2 is not supported by the mock provider/,
  );
  const streamed = await client.chat.completions
    .create({ model: 'mock-fast', messages, n: 2, stream: true })
    .withResponse();
  for await (const _ of streamed.data);
  assert.match(streamed.response.headers.get('x-gatehouse-warnings') ?? '', /n=2/);
  const plain = await client.chat.completions.create({ model: 'mock-fast', messages }).withResponse();
  assert.equal(plain.response.headers.get('x-gatehouse-warnings'), null);
});

test('response_format is honoured: a JSON object, shaped by the schema when one is given', async () => {
  const json = await client.chat.completions.create({
    model: 'mock-fast',
    messages,
    response_format: { type: 'json_object' },
  });
  assert.match(JSON.parse(json.choices[0]!.message.content!).answer, /Name a colour/);
  const shaped = await client.chat.completions.create({
    model: 'mock-fast',
    messages,
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'colour',
        schema: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            hex: { type: 'string', enum: ['#ff0000'] },
            shade: { type: 'integer' },
          },
          required: ['name', 'hex', 'shade'],
        },
      },
    },
  });
  assert.deepEqual(JSON.parse(shaped.choices[0]!.message.content!), {
    name: 'example',
    hex: '#ff0000',
    shade: 1,
  });
});
