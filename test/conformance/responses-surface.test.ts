// Conformance of the gateway's own Responses surface against the recorded Responses API wire format
// (test/fixtures/providers/openai-responses): the recorded request decodes into the IR that encodes
// back into it; translated streams (from Chat Completions and Anthropic upstreams) carry the
// recorded event types, in the recorded order, with the recorded fields; and a Responses upstream
// serving a Responses caller is passed through event for event, the response id aside.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeResponsesRequest } from '../../src/api/openai/index.ts';
import { responsesRequestBody } from '../../src/providers/openai/responses-request.ts';
import type { Gateway } from '../../src/server/index.ts';
import { fixtureJson, fixtureText } from '../fixtures/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startAnthropicUpstream } from '../upstreams/anthropic.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import { startOpenAIResponsesUpstream } from '../upstreams/openai-responses.ts';
import type { MockUpstream } from '../upstreams/server.ts';

interface WireEvent {
  event: string;
  data: any;
}

function parseSse(text: string): WireEvent[] {
  return text
    .split(/\n\n+/)
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? '';
      const data = lines.find((l) => l.startsWith('data: '))!.slice(6);
      return { event, data: JSON.parse(data) };
    });
}

const recorded = {
  text: parseSse(fixtureText('openai-responses', 'stream-text.sse')),
  call: parseSse(fixtureText('openai-responses', 'stream-function-call.sse')),
};

/** Event types in order, a run of the same type counted once (delta counts differ by provider). */
const order = (events: WireEvent[]) => events.map((e) => e.data.type).filter((t, i, all) => t !== all[i - 1]);
const keys = (value: object) => Object.keys(value).sort();
/** Fields the recording has that a translated stream cannot honestly fill. */
const upstreamOnly = new Set(['obfuscation', 'service_tier']);

/** The fields of each event type as recorded (the union over its occurrences). */
function recordedFields(events: WireEvent[]): Map<string, string[]> {
  const fields = new Map<string, Set<string>>();
  for (const { data } of events) {
    const set = fields.get(data.type) ?? new Set<string>();
    for (const key of Object.keys(data)) if (!upstreamOnly.has(key)) set.add(key);
    fields.set(data.type, set);
  }
  return new Map([...fields].map(([type, set]) => [type, [...set].sort()]));
}

test('the recorded request decodes into the IR that encodes back into it', () => {
  const body = fixtureJson('openai-responses', 'request.json');
  const req = decodeResponsesRequest(body);
  assert.equal(req.native?.dialect, 'openai-responses');
  assert.deepEqual(req.system, [{ type: 'text', text: body.instructions }]);
  assert.deepEqual(
    req.messages.map((m) => [m.role, m.content.map((p) => p.type)]),
    [
      ['user', ['text']],
      ['assistant', ['tool_call']],
      ['user', ['tool_result']],
    ],
  );
  assert.equal(req.maxTokens, 512);
  assert.equal(req.reasoningEffort, 'low');
  assert.deepEqual(req.toolChoice, { type: 'auto' });
  // Re-encoded for a Responses target as a translation (not the pass-through): the same request.
  const translated = responsesRequestBody(
    { ...req, native: { dialect: 'openai', body: {} } },
    'gpt-5-mini',
    true,
  );
  assert.deepEqual(translated.body, body);
  // Passed through, the caller's own body goes: the model and store: false are the gateway's.
  const passed = responsesRequestBody(
    { ...req, native: { dialect: 'openai-responses', body: { ...body, store: true } } },
    'm',
    true,
  );
  assert.deepEqual(passed.body, { ...body, model: 'm', store: false });
});

describe('through the gateway', () => {
  const upstreams: MockUpstream[] = [];
  let gateway: Gateway;
  let responsesUpstream: MockUpstream;

  before(async () => {
    const [chat, anthropic, responses] = await Promise.all([
      startOpenAIUpstream(),
      startAnthropicUpstream(),
      startOpenAIResponsesUpstream(),
    ]);
    upstreams.push(chat, anthropic, responses);
    responsesUpstream = responses;
    gateway = await startTestGateway({
      providers: {
        chat: { type: 'openai', base_url: `${chat.url}/v1`, api_key: 'sk-upstream' },
        anthropic: { type: 'anthropic', base_url: anthropic.url, api_key: 'sk-ant-upstream' },
        responses: {
          type: 'openai',
          api: 'responses',
          base_url: `${responses.url}/v1`,
          api_key: 'sk-upstream',
        },
      },
      models: {
        'via-chat': { targets: [{ provider: 'chat', model: 'gpt-4.1-mini' }] },
        'via-anthropic': { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
        'via-responses': { targets: [{ provider: 'responses', model: 'gpt-5-mini' }] },
        'responses-then-claude': {
          targets: [
            { provider: 'responses', model: 'gpt-5-mini' },
            { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          ],
        },
      },
    });
  });
  after(async () => {
    await gateway?.stop(0);
    await Promise.all(upstreams.map((u) => u.close()));
  });

  async function stream(body: Record<string, unknown>): Promise<WireEvent[]> {
    const res = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = parseSse(await res.text());
    for (const e of events) assert.equal(e.event, e.data.type, 'the event name is the payload type');
    assert.deepEqual(
      events.map((e) => e.data.sequence_number),
      events.map((_, i) => i),
    );
    return events;
  }

  const weather = fixtureJson('openai-responses', 'request.json').tools;

  test('a translated text stream has the recorded order and fields', async () => {
    const events = await stream({ model: 'via-chat', input: 'Say something.' });
    // The recording opens with an empty reasoning item a Chat Completions upstream does not have.
    const reasoningId = recorded.text.find((e) => e.data.item?.type === 'reasoning')!.data.item.id;
    const wanted = recorded.text.filter((e) => e.data.item?.id !== reasoningId);
    assert.deepEqual(order(events), order(wanted));
    const fields = recordedFields(wanted);
    for (const { data } of events) assert.deepEqual(keys(data), fields.get(data.type), data.type);
    const response = (type: string, list: WireEvent[]) =>
      list.find((e) => e.data.type === type)!.data.response;
    for (const type of ['response.created', 'response.completed'])
      assert.deepEqual(
        keys(response(type, events)),
        keys(response(type, recorded.text)).filter((k) => !upstreamOnly.has(k)),
        type,
      );
    const items = response('response.completed', events).output;
    assert.deepEqual(
      items.map((i: any) => keys(i)),
      [keys(recorded.text.find((e) => e.data.item?.type === 'message')!.data.item)],
    );
  });

  test('translated parallel tool calls: one function_call item each, in the recorded event order', async () => {
    for (const model of ['via-chat', 'via-anthropic']) {
      const events = await stream({
        model,
        input: "What's the weather in Lisbon and in Porto?",
        tools: weather,
      });
      // Claude says a few words before its calls: a message item comes first there.
      const added = events.filter(
        (e) => e.data.type === 'response.output_item.added' && e.data.item.type === 'function_call',
      );
      assert.equal(added.length, 2, model);
      const fields = new Map([...recordedFields(recorded.text), ...recordedFields(recorded.call)]);
      for (const { data } of events) {
        const want = fields.get(data.type)!;
        // The spec requires `name` on function_call_arguments.done; the recording left it out.
        const got = keys(data).filter(
          (k) => !(data.type === 'response.function_call_arguments.done' && k === 'name'),
        );
        assert.deepEqual(got, want, `${model} ${data.type}`);
      }
      for (const { data } of added) {
        const own = events.filter((e) => e.data.item_id === data.item.id || e.data.item?.id === data.item.id);
        assert.deepEqual(order(own), [
          'response.output_item.added',
          'response.function_call_arguments.delta',
          'response.function_call_arguments.done',
          'response.output_item.done',
        ]);
        const done = own.at(-1)!.data.item;
        const deltas = own.filter((e) => e.data.type === 'response.function_call_arguments.delta');
        assert.equal(deltas.map((e) => e.data.delta).join(''), done.arguments);
        assert.deepEqual(keys(done), keys(recorded.call.at(-2)!.data.item));
        assert.equal(JSON.parse(done.arguments).city.length > 0, true);
      }
      const completed = events.at(-1)!.data;
      assert.equal(completed.type, 'response.completed');
      assert.equal(completed.response.output.filter((i: any) => i.type === 'function_call').length, 2);
      assert.ok(completed.response.usage.input_tokens > 0);
    }
  });

  test('a Responses upstream serving a Responses caller is passed through, event for event', async () => {
    const body = {
      model: 'via-responses',
      instructions: 'Be brief.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Weather in Lisbon?' }] }],
      tools: [...weather, { type: 'web_search' }],
      include: ['reasoning.encrypted_content'],
      store: true,
    };
    const events = await stream(body);
    const sent = responsesUpstream.requests.at(-1)!.body;
    assert.deepEqual(sent, { ...body, model: 'gpt-5-mini', store: false, stream: true });
    const ours = events[0]!.data.response.id;
    assert.match(ours, /^resp_/);
    assert.notEqual(ours, recorded.call[0]!.data.response.id);
    // The same events as recorded, but for the response id the gateway issued.
    const expected = recorded.call.map(({ data }) =>
      data.response ? { ...data, response: { ...data.response, id: ours } } : data,
    );
    assert.deepEqual(
      events.map((e) => e.data),
      expected,
    );

    // Its continuation goes upstream as the whole conversation: stored items, ids dropped.
    const call = events.at(-1)!.data.response.output[0];
    await stream({
      model: 'via-responses',
      previous_response_id: ours,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":22}' }],
      tools: weather,
    });
    const next = responsesUpstream.requests.at(-1)!.body;
    assert.equal(next.previous_response_id, undefined);
    assert.deepEqual(
      next.input.map((i: any) => i.type ?? i.role),
      ['message', 'function_call', 'function_call_output'],
    );
    assert.equal(next.input[1].id, undefined);
    assert.equal(next.input[1].call_id, call.call_id);
  });

  test('a failing target fails over to the next, translated; the call is priced and logged', async () => {
    responsesUpstream.faults.push({
      kind: 'status',
      status: 503,
      body: { error: { message: 'overloaded' } },
    });
    const res = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'responses-then-claude', input: 'Say something.' }),
    });
    const answer = (await res.json()) as any;
    assert.equal(res.status, 200, JSON.stringify(answer));
    assert.equal(res.headers.get('x-gatehouse-provider'), 'anthropic');
    assert.equal(res.headers.get('x-gatehouse-attempts'), '2');
    assert.equal(answer.object, 'response');
    assert.match(answer.id, /^resp_/);
    const requestId = res.headers.get('x-request-id')!;
    let row: any;
    for (let i = 0; i < 100 && !row; i++) {
      const page = await fetch(`${gateway.url}/admin/logs?request_id=${requestId}`, {
        headers: { authorization: `Bearer ${testMasterKey}` },
      });
      row = ((await page.json()) as any).data[0];
      if (!row) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(row, 'the call is in the request log');
    assert.equal(row.route, '/v1/responses');
    assert.equal(row.provider, 'anthropic');
    assert.equal(row.attempts.length, 2);
    assert.ok(row.cost_usd > 0, JSON.stringify(row));
  });

  test('a failure mid-stream ends it with an error event in OpenAI’s shape', async () => {
    upstreams[0]!.faults.push({ kind: 'stream-error' });
    const events = await stream({ model: 'via-chat', input: 'Say something.' });
    const last = events.at(-1)!.data;
    assert.equal(last.type, 'error');
    assert.deepEqual(keys(last), ['code', 'message', 'param', 'sequence_number', 'type']);
    assert.match(last.message, /server had an error/);
  });
});
