// The response cache end to end, with the official SDKs as callers and counting mock upstreams: a
// repeat is answered without going upstream, on either surface, streamed or not, and replayed across
// surfaces; teams never see each other's answers; errors and cut streams are never stored; entries
// expire, can be refused or refreshed per request, and are purged through the admin API; a hit is
// on the record with cost 0 and what it saved.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { runGatehouseAsync } from '../helpers/cli.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { startAnthropicUpstream } from '../upstreams/anthropic.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import { type MockUpstream, startUpstream } from '../upstreams/server.ts';

let gateway: Gateway;
let openaiUp: MockUpstream;
let anthropicUp: MockUpstream;
let slowUp: MockUpstream;

/** An OpenAI-dialect stream that sends its first chunk, then waits (as a long generation does). */
function startSlowUpstream() {
  return startUpstream(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-slow', object: 'chat.completion.chunk', created: 1, model: 'slow', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: 'Once upon ' }));
    await Promise.race([req.closed, sleep(1500)]);
    if (res.destroyed) return;
    res.end(`${chunk({ content: 'a time.' })}${chunk({}, 'stop')}data: [DONE]\n\n`);
  });
}
const admin = adminClient(() => gateway);
const keys: Record<string, string> = {};
const teams: Record<string, string> = {};

before(async () => {
  openaiUp = await startOpenAIUpstream();
  anthropicUp = await startAnthropicUpstream();
  slowUp = await startSlowUpstream();
  gateway = await startTestGateway({
    providers: {
      openai: { type: 'openai', base_url: `${openaiUp.url}/v1`, api_key: 'sk-upstream' },
      anthropic: { type: 'anthropic', base_url: anthropicUp.url, api_key: 'sk-ant-upstream' },
      slow: { type: 'openai', base_url: `${slowUp.url}/v1`, api_key: 'sk-upstream' },
    },
    models: {
      gpt: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }] },
      claude: { targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
      slow: { targets: [{ provider: 'slow', model: 'slow' }] },
      uncached: { targets: [{ provider: 'openai', model: 'gpt-4.1-mini' }], cache: { mode: 'off' } },
    },
    cache: { exact: { ttl: '1h' } },
  });
  for (const name of ['red', 'blue']) {
    const team = await admin('POST', '/admin/teams', { name });
    assert.equal(team.status, 201);
    teams[name] = team.body.id;
    const key = await admin('POST', '/admin/keys', { name: `${name}-key`, team: name });
    assert.equal(key.status, 201);
    keys[name] = key.body.key;
  }
});

after(async () => {
  await gateway?.stop(0);
  await openaiUp?.close();
  await anthropicUp?.close();
  await slowUp?.close();
});

const openai = (key = keys.red!, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: headers });
const anthropic = (key = keys.red!, headers: Record<string, string> = {}) =>
  new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0, defaultHeaders: headers });

let unique = 0;
/** A prompt no other test sends, so each test starts from a miss. */
const fresh = (what: string) => `${what} #${++unique} ${Date.now()}`;

async function openaiChat(
  prompt: string,
  options: { key?: string; model?: string; headers?: Record<string, string> } = {},
) {
  const { data, response } = await openai(options.key, options.headers)
    .chat.completions.create({
      model: options.model ?? 'gpt',
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: prompt },
      ],
    })
    .withResponse();
  return {
    text: data.choices[0]!.message.content,
    data,
    cache: response.headers.get('x-gatehouse-cache'),
    response,
  };
}

async function openaiStream(prompt: string, options: { key?: string; model?: string } = {}) {
  const { data: stream, response } = await openai(options.key)
    .chat.completions.create({
      model: options.model ?? 'gpt',
      max_tokens: 100,
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: prompt },
      ],
    })
    .withResponse();
  let text = '';
  let chunks = 0;
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null = null;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, chunks, usage, finish, cache: response.headers.get('x-gatehouse-cache') };
}

async function anthropicChat(prompt: string, options: { key?: string; model?: string } = {}) {
  const { data, response } = await anthropic(options.key)
    .messages.create({
      model: options.model ?? 'claude',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: prompt }],
    })
    .withResponse();
  const text = data.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  return { text, data, cache: response.headers.get('x-gatehouse-cache') };
}

async function anthropicStream(prompt: string, options: { key?: string; model?: string } = {}) {
  const stream = anthropic(options.key).messages.stream({
    model: options.model ?? 'claude',
    max_tokens: 100,
    system: 'Be brief.',
    messages: [{ role: 'user', content: prompt }],
  });
  let deltas = 0;
  stream.on('text', () => deltas++);
  const message = await stream.finalMessage();
  const { response } = await stream.withResponse();
  const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  return {
    text,
    deltas,
    usage: message.usage,
    stop: message.stop_reason,
    cache: response.headers.get('x-gatehouse-cache'),
  };
}

describe('OpenAI SDK', () => {
  test('a repeated chat is answered from the cache, without going upstream', async () => {
    const prompt = fresh('Name a colour.');
    const first = await openaiChat(prompt);
    assert.equal(first.cache, 'miss');
    const calls = openaiUp.requests.length;
    const second = await openaiChat(prompt);
    assert.equal(second.cache, 'hit');
    assert.equal(openaiUp.requests.length, calls, 'the hit did not reach the upstream');
    assert.equal(second.text, first.text);
    assert.equal(second.data.usage?.prompt_tokens, first.data.usage?.prompt_tokens);
    assert.equal(second.data.usage?.completion_tokens, first.data.usage?.completion_tokens);
    assert.equal(second.data.choices[0]!.finish_reason, first.data.choices[0]!.finish_reason);
  });

  test('a streamed call is stored and replayed as a stream of several chunks, with usage', async () => {
    const prompt = fresh('Count to three.');
    const first = await openaiStream(prompt);
    assert.equal(first.cache, 'miss');
    const calls = openaiUp.requests.length;
    const second = await openaiStream(prompt);
    assert.equal(second.cache, 'hit');
    assert.equal(openaiUp.requests.length, calls);
    assert.equal(second.text, first.text);
    assert.ok(second.chunks >= 3, `replayed in ${second.chunks} chunks`);
    assert.ok(second.usage, 'the replay carries usage');
    assert.equal(second.usage.prompt_tokens, first.usage?.prompt_tokens);
    assert.equal(second.usage.completion_tokens, first.usage?.completion_tokens);
    assert.equal(second.finish, first.finish);
  });

  test('an answer stored unstreamed is replayed to a streaming caller, and the other way round', async () => {
    const prompt = fresh('Say hello.');
    const plain = await openaiChat(prompt);
    const streamed = await openaiStream(prompt);
    assert.equal(streamed.cache, 'hit');
    assert.equal(streamed.text, plain.text);
    const other = fresh('Say goodbye.');
    const s = await openaiStream(other);
    const p = await openaiChat(other);
    assert.equal(p.cache, 'hit');
    assert.equal(p.text, s.text);
  });
});

describe('Anthropic SDK', () => {
  test('a repeated message is answered from the cache, streamed or not', async () => {
    const prompt = fresh('Name a fruit.');
    const first = await anthropicChat(prompt);
    assert.equal(first.cache, 'miss');
    const calls = anthropicUp.requests.length;
    const second = await anthropicChat(prompt);
    assert.equal(second.cache, 'hit');
    assert.equal(second.text, first.text);
    assert.equal(second.data.usage.output_tokens, first.data.usage.output_tokens);
    const streamed = await anthropicStream(prompt);
    assert.equal(streamed.cache, 'hit');
    assert.equal(streamed.text, first.text);
    assert.ok(streamed.deltas >= 2, `replayed in ${streamed.deltas} text deltas`);
    assert.equal(streamed.usage.output_tokens, first.data.usage.output_tokens);
    assert.equal(streamed.stop, first.data.stop_reason);
    assert.equal(anthropicUp.requests.length, calls, 'no hit reached the upstream');
  });

  test('a streamed message is stored once complete', async () => {
    const prompt = fresh('Name a river.');
    const first = await anthropicStream(prompt);
    assert.equal(first.cache, 'miss');
    const second = await anthropicStream(prompt);
    assert.equal(second.cache, 'hit');
    assert.equal(second.text, first.text);
  });
});

describe('across surfaces', () => {
  test('an answer cached through the OpenAI surface is served to an Anthropic client, and back', async () => {
    const prompt = fresh('Pick a number.');
    const viaOpenAI = await openaiChat(prompt, { model: 'claude' });
    assert.equal(viaOpenAI.cache, 'miss');
    const viaAnthropic = await anthropicChat(prompt, { model: 'claude' });
    assert.equal(viaAnthropic.cache, 'hit');
    assert.equal(viaAnthropic.text, viaOpenAI.text);
    const streamed = await anthropicStream(prompt, { model: 'claude' });
    assert.equal(streamed.cache, 'hit');

    const back = fresh('Pick a letter.');
    const a = await anthropicStream(back, { model: 'gpt' });
    assert.equal(a.cache, 'miss');
    const o = await openaiChat(back, { model: 'gpt' });
    assert.equal(o.cache, 'hit');
    assert.equal(o.text, a.text);
  });
});

describe('scope', () => {
  test("one team never receives another team's cached answer", async () => {
    const prompt = fresh('A shared question.');
    assert.equal((await openaiChat(prompt, { key: keys.red! })).cache, 'miss');
    assert.equal((await openaiChat(prompt, { key: keys.red! })).cache, 'hit');
    const calls = openaiUp.requests.length;
    assert.equal((await openaiChat(prompt, { key: keys.blue! })).cache, 'miss');
    assert.equal(openaiUp.requests.length, calls + 1, 'the other team went upstream');
    assert.equal((await openaiChat(prompt, { key: keys.blue! })).cache, 'hit');
  });
});

describe('what is never stored', () => {
  test('an upstream error is not cached', async () => {
    const prompt = fresh('This fails.');
    openaiUp.faults.push({
      kind: 'status',
      status: 400,
      body: { error: { message: 'bad', type: 'invalid_request_error' } },
    });
    await assert.rejects(openaiChat(prompt));
    const again = await openaiChat(prompt);
    assert.equal(again.cache, 'miss', 'the error was not stored');
  });

  test('a stream that fails midway is not cached', async () => {
    const prompt = fresh('This stream breaks.');
    openaiUp.faults.push({ kind: 'stream-error' });
    await assert.rejects(openaiStream(prompt));
    assert.equal((await openaiStream(prompt)).cache, 'miss');
  });

  test('a stream the caller aborted is not cached', async () => {
    const prompt = fresh('This stream is abandoned.');
    const controller = new AbortController();
    const stream = await openai().chat.completions.create(
      {
        model: 'slow',
        max_tokens: 100,
        stream: true,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: prompt },
        ],
      },
      { signal: controller.signal },
    );
    let received = 0;
    try {
      for await (const _ of stream) {
        received++;
        controller.abort();
      }
    } catch {
      // The SDK may end the iteration quietly or throw its abort error: either way the caller left.
    }
    assert.equal(received, 1, 'the caller left after the first chunk');
    assert.ok(await until(() => slowUp.requests.length === 1, 1000));
    await slowUp.requests[0]!.closed;
    const again = await openaiStream(prompt, { model: 'slow' });
    assert.equal(again.cache, 'miss', 'the cut stream was not stored');
    assert.equal(again.text, 'Once upon a time.');
    assert.equal((await openaiStream(prompt, { model: 'slow' })).cache, 'hit', 'the complete one was');
  });

  test('a model with caching off is passed by (bypass)', async () => {
    const prompt = fresh('Not cached.');
    assert.equal((await openaiChat(prompt, { model: 'uncached' })).cache, 'bypass');
    assert.equal((await openaiChat(prompt, { model: 'uncached' })).cache, 'bypass');
  });
});

describe('per request', () => {
  test('no-store neither reads nor writes; no-cache refreshes the entry', async () => {
    const prompt = fresh('Control me.');
    assert.equal((await openaiChat(prompt, { headers: { 'cache-control': 'no-store' } })).cache, 'bypass');
    assert.equal((await openaiChat(prompt)).cache, 'miss', 'no-store wrote nothing');
    assert.equal((await openaiChat(prompt, { headers: { 'cache-control': 'no-store' } })).cache, 'bypass');
    const calls = openaiUp.requests.length;
    assert.equal((await openaiChat(prompt, { headers: { 'cache-control': 'no-cache' } })).cache, 'bypass');
    assert.equal(openaiUp.requests.length, calls + 1, 'no-cache went upstream');
    assert.equal((await openaiChat(prompt)).cache, 'hit');
  });

  test('x-gatehouse-cache-ttl sets how long the answer is kept; a bad value is a 400', async () => {
    const prompt = fresh('Expire me.');
    assert.equal((await openaiChat(prompt, { headers: { 'x-gatehouse-cache-ttl': '1' } })).cache, 'miss');
    assert.equal((await openaiChat(prompt)).cache, 'hit');
    await sleep(1100);
    assert.equal((await openaiChat(prompt)).cache, 'miss', 'the entry expired');
    await assert.rejects(openaiChat(prompt, { headers: { 'x-gatehouse-cache-ttl': 'soon' } }), (err: any) => {
      assert.equal(err.status, 400);
      assert.match(err.message, /x-gatehouse-cache-ttl/);
      return true;
    });
  });
});

/** The request log's event for a request id, once the writer has stored it. */
async function loggedEvent(requestId: string): Promise<any> {
  let event: any;
  const deadline = Date.now() + 5000;
  while (event === undefined && Date.now() < deadline) {
    const page = await admin('GET', `/admin/logs?since=1h&limit=200`);
    event = page.body.data.find((e: any) => e.request_id === requestId);
    if (!event) await sleep(50);
  }
  assert.ok(event, `the event of ${requestId} was logged`);
  return event;
}

describe('on the record', () => {
  test('a hit is logged at cost 0 with what it saved; usage and metrics count hits and savings', async () => {
    const prompt = fresh('Price me.');
    const miss = await openaiChat(prompt, { key: keys.blue! });
    const hit = await openaiChat(prompt, { key: keys.blue! });
    assert.equal(hit.cache, 'hit');
    const missEvent = await loggedEvent(miss.response.headers.get('x-request-id')!);
    const hitEvent = await loggedEvent(hit.response.headers.get('x-request-id')!);
    assert.equal(missEvent.cache, 'miss');
    assert.ok(missEvent.cost_usd > 0, 'the miss was priced');
    assert.equal(hitEvent.cache, 'hit');
    assert.equal(hitEvent.cost_usd, 0);
    assert.equal(hitEvent.provider, null, 'no provider served the hit');
    assert.equal(hitEvent.input_tokens, null, 'no upstream tokens');
    assert.equal(hitEvent.saved_usd, missEvent.cost_usd, 'it saved what the miss cost');

    const usage = await admin('GET', `/admin/usage?since=1h&bucket=none&by=team,model&team=${teams.blue}`);
    assert.equal(usage.status, 200);
    const row = usage.body.data.find((r: any) => r.model === 'gpt');
    assert.ok(row.cache_hits >= 1);
    assert.ok(row.cache_lookups > row.cache_hits);
    assert.equal(row.cache_hit_rate, Math.round((row.cache_hits / row.cache_lookups) * 10_000) / 10_000);
    assert.ok(row.saved_usd >= hitEvent.saved_usd);

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /gatehouse_cache_requests_total\{result="hit"\} [1-9]/);
    assert.match(metrics, /gatehouse_cache_requests_total\{result="miss"\} [1-9]/);
    assert.match(metrics, /gatehouse_cache_lookup_seconds_count\{result="hit"\} [1-9]/);
  });
});

describe('purge', () => {
  test('DELETE /admin/cache purges a model, a team, or everything, and is audited', async () => {
    const prompt = fresh('Purge me.');
    for (const key of [keys.red!, keys.blue!]) {
      await openaiChat(prompt, { key, model: 'gpt' });
      await anthropicChat(prompt, { key, model: 'claude' });
    }
    const byModel = await admin('DELETE', '/admin/cache?model=claude');
    assert.equal(byModel.status, 200);
    assert.equal(byModel.body.enabled, true);
    assert.ok(byModel.body.deleted >= 2);
    assert.equal((await anthropicChat(prompt, { key: keys.red! })).cache, 'miss');
    assert.equal((await openaiChat(prompt, { key: keys.red! })).cache, 'hit', 'other models stay');

    const byTeam = await admin('DELETE', '/admin/cache?team=red');
    assert.ok(byTeam.body.deleted >= 2);
    assert.equal(byTeam.body.team_id, teams.red);
    assert.equal((await openaiChat(prompt, { key: keys.red! })).cache, 'miss');
    assert.equal((await openaiChat(prompt, { key: keys.blue! })).cache, 'hit', 'other teams stay');

    const all = await admin('DELETE', '/admin/cache');
    assert.ok(all.body.deleted >= 1);
    assert.equal((await openaiChat(prompt, { key: keys.blue! })).cache, 'miss');

    const unknownTeam = await admin('DELETE', '/admin/cache?team=nobody');
    assert.equal(unknownTeam.status, 400, 'a team that does not exist is refused by parameter');
    assert.equal(unknownTeam.body.error.param, 'team');
    const audit = await admin('GET', '/admin/audit?limit=50');
    const purges = audit.body.data.filter((e: any) => e.action === 'cache.purge');
    assert.ok(purges.length >= 3, 'each purge is audited');
  });
});

describe('team and key rules', () => {
  test("a team's rule turns its caching off; a key's rule narrows its scope to itself", async () => {
    const green = await admin('POST', '/admin/teams', { name: 'green', cache: { mode: 'off' } });
    assert.equal(green.status, 201);
    const greenKey = (await admin('POST', '/admin/keys', { name: 'green-key', team: 'green' })).body.key;
    const rules = await admin('GET', '/admin/teams/green/rules');
    assert.deepEqual(rules.body.cache, { mode: 'off' });
    const prompt = fresh('Green asks.');
    assert.equal((await openaiChat(prompt, { key: greenKey })).cache, 'bypass');
    assert.equal((await openaiChat(prompt, { key: greenKey })).cache, 'bypass');

    const solo = await admin('POST', '/admin/keys', { name: 'solo', team: 'red', cache: { scope: 'key' } });
    assert.equal(solo.status, 201);
    const shared = fresh('Red asks.');
    assert.equal((await openaiChat(shared, { key: keys.red! })).cache, 'miss');
    assert.equal((await openaiChat(shared, { key: solo.body.key })).cache, 'miss', 'the key keeps its own');
    assert.equal((await openaiChat(shared, { key: solo.body.key })).cache, 'hit');

    const bad = await admin('PUT', '/admin/teams/green/rules', { cache: { mode: 'sometimes' } });
    assert.equal(bad.status, 400);
    const cleared = await admin('PUT', '/admin/teams/green/rules', { cache: null });
    assert.equal(cleared.body.cache, null);
  });
});

describe('the Responses API and the CLI', () => {
  test('a Responses API call is cached like a chat call', async () => {
    const input = fresh('Answer through the Responses API.');
    const ask = () =>
      openai().responses.create({ model: 'gpt', input, max_output_tokens: 100 }).withResponse();
    const first = await ask();
    assert.equal(first.response.headers.get('x-gatehouse-cache'), 'miss');
    const calls = openaiUp.requests.length;
    const second = await ask();
    assert.equal(second.response.headers.get('x-gatehouse-cache'), 'hit');
    assert.equal(second.data.output_text, first.data.output_text);
    assert.equal(openaiUp.requests.length, calls);
  });

  test('gatehouse cache clear purges by team and says how many went', async () => {
    const prompt = fresh('Cleared from the command line.');
    await openaiChat(prompt, { key: keys.blue! });
    const env = { GATEHOUSE_URL: gateway.url, GATEHOUSE_MASTER_KEY: testMasterKey };
    const cleared = await runGatehouseAsync(['cache', 'clear', '--team', 'blue', '--json'], { env });
    assert.equal(cleared.code, 0, cleared.stderr);
    const answer = JSON.parse(cleared.stdout);
    assert.equal(answer.team_id, teams.blue);
    assert.ok(answer.deleted >= 1);
    assert.equal((await openaiChat(prompt, { key: keys.blue! })).cache, 'miss');
    const ruled = await runGatehouseAsync(
      ['teams', 'update', 'blue', '--cache-ttl', '10m', '--cache-scope', 'key', '--json'],
      { env },
    );
    assert.equal(ruled.code, 0, ruled.stderr);
    assert.deepEqual((await admin('GET', '/admin/teams/blue/rules')).body.cache, { ttl: 600, scope: 'key' });
    assert.equal((await admin('PUT', '/admin/teams/blue/rules', { cache: null })).status, 200);
    const usage = await runGatehouseAsync(['usage', '--by', 'team', '--since', '1h'], { env });
    assert.equal(usage.code, 0, usage.stderr);
    assert.match(usage.stdout, /cache_hit_rate/);
    assert.match(usage.stdout, /saved_usd/);
  });
});

describe('budgets', () => {
  test('a hit charges nothing against the budget; the miss that stored it did', async () => {
    assert.equal(
      (await admin('POST', '/admin/teams', { name: 'budgeted', budget: { usd: 100, period: 'month' } }))
        .status,
      201,
    );
    const key = (await admin('POST', '/admin/keys', { name: 'budgeted-key', team: 'budgeted' })).body.key;
    const spent = async () => (await admin('GET', '/admin/teams/budgeted/spend')).body.spent_usd as number;
    const prompt = fresh('Charge me once.');
    assert.equal((await openaiChat(prompt, { key })).cache, 'miss');
    const afterMiss = await spent();
    assert.ok(afterMiss > 0, 'the miss was charged');
    for (let i = 0; i < 3; i++) assert.equal((await openaiChat(prompt, { key })).cache, 'hit');
    assert.equal(await spent(), afterMiss, 'the hits were not');
  });
});
