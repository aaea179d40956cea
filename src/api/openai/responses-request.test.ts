import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError } from '../../core/errors/index.ts';
import { decodeResponsesRequest, nativeOnlyFeatures, parseResponsesBody } from './responses-request.ts';

const refused = (body: unknown, param: string, code = 'GH_INVALID_REQUEST') =>
  assert.throws(
    () => decodeResponsesRequest(body),
    (err: unknown) => err instanceof GatehouseError && err.code === code && err.param === param,
  );

test('items become IR turns: developer text joins the system, calls and outputs their own parts', () => {
  const req = decodeResponsesRequest({
    model: 'm',
    instructions: 'Be brief.',
    input: [
      { role: 'developer', content: 'Answer in English.' },
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
        ],
      },
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { role: 'assistant', content: 'Let me look.' },
      { type: 'function_call', call_id: 'c1', name: 'look', arguments: '' },
      { type: 'function_call_output', call_id: 'c1', output: 'a cat' },
      { role: 'user', content: 'And now?' },
    ],
    text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
    reasoning: { effort: 'xhigh' },
    tool_choice: 'none',
  });
  assert.deepEqual(req.system, [
    { type: 'text', text: 'Be brief.' },
    { type: 'text', text: 'Answer in English.' },
  ]);
  assert.deepEqual(
    req.messages.map((m) => [m.role, m.content.map((p) => p.type)]),
    [
      ['user', ['text', 'image']],
      ['assistant', ['text', 'tool_call']],
      ['user', ['tool_result', 'text']],
    ],
  );
  assert.deepEqual(req.messages[0]!.content[1], {
    type: 'image',
    source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
    detail: 'low',
  });
  assert.equal((req.messages[1]!.content[1] as { arguments: string }).arguments, '{}');
  assert.deepEqual(req.responseFormat, {
    type: 'json_schema',
    name: 'answer',
    schema: { type: 'object' },
    strict: true,
  });
  assert.equal(req.reasoningEffort, 'high');
  assert.deepEqual(req.toolChoice, { type: 'none' });
  assert.equal(req.native?.dialect, 'openai-responses');
});

test('malformed items and tools are refused naming the field', () => {
  refused({ model: 'm', input: [{ type: 'function_call', name: 'x', arguments: '{}' }] }, 'input[0].call_id');
  refused({ model: 'm', input: [{ type: 'message', role: 'user', content: 7 }] }, 'input[0].content');
  refused({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'two words' }] }, 'tools[0].name');
  refused(
    {
      model: 'm',
      input: 'x',
      tools: [{ type: 'function', name: 'a' }],
      tool_choice: { type: 'function', name: 'b' },
    },
    'tool_choice',
  );
  refused(
    { model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'ftp://x' }] }] },
    'input[0].content[0].image_url',
  );
  refused({ model: 'm', input: [] }, 'input');
});

test('built-in tools, their items and files by id are what only a Responses target serves', () => {
  const body = parseResponsesBody({
    model: 'm',
    input: [
      { role: 'user', content: [{ type: 'input_file', file_id: 'file_1' }] },
      { type: 'web_search_call', id: 'ws_1', status: 'completed' },
    ],
    tools: [{ type: 'web_search' }, { type: 'function', name: 'f' }],
    tool_choice: { type: 'web_search' },
  });
  assert.deepEqual(nativeOnlyFeatures(body), [
    'input[0]: input_file',
    'input[1]: web_search_call',
    'tools: web_search',
    'tool_choice: web_search',
  ]);
  assert.deepEqual(
    nativeOnlyFeatures(
      parseResponsesBody({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'f' }] }),
    ),
    [],
  );
  refused(
    { model: 'm', input: [{ type: 'web_search_call', id: 'ws_1' }] },
    'input[0]',
    'GH_UNSUPPORTED_BY_PROVIDER',
  );
});
