import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import { fixtureJson } from '../../../test/fixtures/index.ts';
import { decodeCountTokensRequest, decodeMessagesRequest } from './messages-request.ts';

test('the recorded request decodes with cache hints, tool use and tool results', () => {
  const body = fixtureJson('anthropic-messages', 'request.json');
  const req = decodeMessagesRequest(body);
  assert.equal(req.system?.[0]?.cacheControl?.type, 'ephemeral');
  assert.equal(req.tools?.[0]?.name, 'get_weather');
  const toolCalls = req.messages.flatMap((m) => m.content.filter((p) => p.type === 'tool_call'));
  const results = req.messages.flatMap((m) => m.content.filter((p) => p.type === 'tool_result'));
  assert.equal(toolCalls.length, 2);
  assert.deepEqual(
    results.map((r) => r.toolCallId),
    toolCalls.map((c) => c.id),
  );
  assert.equal(req.maxTokens, body.max_tokens);
  assert.equal(req.includeUsage, true);
});

test('thinking, tool_choice any and disable_parallel_tool_use map to the IR', () => {
  const req = decodeMessagesRequest({
    model: 'm',
    max_tokens: 2048,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    tools: [{ name: 'f', input_schema: { type: 'object' } }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    messages: [{ role: 'user', content: 'x' }],
  });
  assert.deepEqual(req.thinking, { type: 'enabled', budgetTokens: 1024 });
  assert.deepEqual(req.toolChoice, { type: 'required' });
  assert.equal(req.parallelToolCalls, false);
});

test('count_tokens needs no max_tokens; messages needs it', () => {
  const body = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
  assert.equal(decodeCountTokensRequest(body).model, 'm');
  assert.throws(
    () => decodeMessagesRequest(body),
    (err: GatehouseError) => err.param === 'max_tokens',
  );
});
