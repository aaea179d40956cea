// Guardrails as policy: org-wide defaults a key cannot drop, guardrails attached to teams and keys
// through the admin API (unknown names refused), the external checks (an OpenAI-moderation-shaped
// endpoint, one that times out under both on_error settings, an llm_judge asking the mock provider),
// and json_schema on the caller's response_format.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { freshPostgres, type TestDatabase } from '../helpers/database.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startModerationUpstream, startScriptedOpenAIUpstream } from '../upstreams/scripted-openai.ts';
import { type MockUpstream, startUpstream } from '../upstreams/server.ts';

let up: Awaited<ReturnType<typeof startScriptedOpenAIUpstream>>;
let moderation: MockUpstream;
let hanging: MockUpstream;
let gateway: Gateway;
let database: TestDatabase;
const admin = adminClient(() => gateway);

const awsKey = 'AKIAIOSFODNN7EXAMPLE';
const target = { provider: 'up', model: 'gpt-test' };

before(async () => {
  up = await startScriptedOpenAIUpstream();
  moderation = await startModerationUpstream('hateful');
  hanging = await startUpstream(() => new Promise(() => {}));
  // PostgreSQL where it answers (the guardrail rules and the verdict column on the shared store),
  // else the embedded SQLite.
  database = await freshPostgres();
  gateway = await startTestGateway(
    {
      providers: {
        up: { type: 'openai', base_url: `${up.url}/v1`, api_key: 'sk-upstream' },
        mock: { type: 'mock' },
      },
      models: {
        chat: { targets: [target] },
        judge: { targets: [{ provider: 'mock', model: 'mock-judge' }] },
        moderated: { targets: [target], guardrails: ['moderation'] },
        'slow-allow': { targets: [target], guardrails: ['slow-allow'] },
        'slow-block': { targets: [target], guardrails: ['slow-block'] },
        judged: { targets: [target], guardrails: ['judge'] },
        structured: { targets: [target], guardrails: ['schema'] },
      },
      default_guardrails: ['org-secrets'],
      guardrails: {
        'org-secrets': { type: 'secrets', action: 'block' },
        'no-email': { type: 'pii', entities: ['email'], action: 'redact' },
        moderation: {
          type: 'external',
          adapter: 'openai_moderation',
          url: `${moderation.url}/v1/moderations`,
          action: 'block',
          on: ['input'],
        },
        'slow-allow': {
          type: 'external',
          url: `${hanging.url}/v1/moderations`,
          timeout_ms: 200,
          on_error: 'allow',
          on: ['input'],
        },
        'slow-block': {
          type: 'external',
          url: `${hanging.url}/v1/moderations`,
          timeout_ms: 200,
          on_error: 'block',
          on: ['input'],
        },
        judge: {
          type: 'external',
          adapter: 'llm_judge',
          model: 'judge',
          prompt: 'Classify: {text}',
          flag_pattern: 'launch codes',
          action: 'block',
          on: ['input'],
        },
        schema: { type: 'json_schema', action: 'block', on: ['output'] },
      },
    },
    database.url ? { databaseUrl: database.url } : {},
  );
});

after(async () => {
  await gateway?.stop(0);
  await Promise.all([up?.close(), moderation?.close(), hanging?.close()]);
  await database?.drop();
});

const openai = (apiKey = testMasterKey) =>
  new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
const ask = (client: OpenAI, model: string, content: string) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();

async function logged(requestId: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const { body } = await admin('GET', `/admin/logs?request_id=${encodeURIComponent(requestId)}`);
    if (body.data.length > 0) return body.data[0];
    await sleep(25);
  }
  throw new Error(`no event for ${requestId}`);
}

describe('org-wide and per-owner guardrails', () => {
  let key: string;

  before(async () => {
    const team = await admin('POST', '/admin/teams', { name: 'support', guardrails: ['no-email'] });
    assert.equal(team.status, 201, JSON.stringify(team.body));
    // The key tries to opt out: an empty list of its own.
    const created = await admin('POST', '/admin/keys', { name: 'agent', team: 'support', guardrails: [] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    key = created.body.key;
  });

  test('an org-wide guardrail applies to every caller, even with no guardrail of its own', async () => {
    const err = await ask(openai(key), 'chat', `my key is ${awsKey}`).catch((e) => e);
    assert.equal(err.status, 400, String(err));
    assert.equal(err.code, 'guardrail_blocked');
    assert.match(err.message, /org-secrets/);
  });

  test('a key that tries to drop the org-wide guardrail cannot', async () => {
    // Clearing its own guardrails, and naming a removal, both leave the org-wide one in force.
    const cleared = await admin('PUT', '/admin/keys/agent/rules', { guardrails: null });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    const removal = await admin('PUT', '/admin/keys/agent/rules', { guardrails: ['-org-secrets'] });
    assert.equal(removal.status, 400);
    assert.match(removal.body.error.message, /guardrails\[0\]: unknown guardrail "-org-secrets"/);
    const err = await ask(openai(key), 'chat', `my key is ${awsKey}`).catch((e) => e);
    assert.equal(err.code, 'guardrail_blocked');
  });

  test("the team's guardrail applies to its keys, on top of the org-wide one", async () => {
    up.script.pieces = ['fine'];
    const { response } = await ask(openai(key), 'chat', 'write to bob@example.org');
    assert.ok(up.requests.at(-1)!.rawBody.toString().includes('[EMAIL]'));
    assert.equal(response.headers.get('x-gatehouse-guardrails'), 'org-secrets=passed;no-email=redacted');
    const rules = await admin('GET', '/admin/teams/support/rules');
    assert.deepEqual(rules.body.guardrails, ['no-email']);
  });

  test('an unknown guardrail name is refused with its path, at creation too', async () => {
    const res = await admin('POST', '/admin/users', { name: 'eve', guardrails: ['no-email', 'no-pi'] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.param, 'guardrails[1]');
    assert.match(res.body.error.message, /unknown guardrail "no-pi"/);
  });
});

describe('external checks', () => {
  test('an OpenAI-moderation-shaped endpoint flags; the caller is refused, the category named', async () => {
    const err = await ask(openai(), 'moderated', 'a hateful message').catch((e) => e);
    assert.equal(err.status, 400, String(err));
    assert.match(err.message, /moderation.*harassment/);
    up.script.pieces = ['hello'];
    const { response } = await ask(openai(), 'moderated', 'a kind message');
    assert.equal(response.headers.get('x-gatehouse-guardrails'), 'org-secrets=passed;moderation=passed');
    assert.equal(moderation.requests.at(-1)!.body.input, 'a kind message');
  });

  test('a check that times out, on_error allow: the call proceeds, the verdict says error', async () => {
    up.script.pieces = ['hello'];
    const started = Date.now();
    const { data, response } = await ask(openai(), 'slow-allow', 'anything');
    assert.ok(Date.now() - started < 5_000, 'did not wait for the hanging check');
    assert.equal(data.choices[0]!.message.content, 'hello');
    assert.match(response.headers.get('x-gatehouse-guardrails')!, /slow-allow=error/);
    const event = await logged(response.headers.get('x-request-id')!);
    assert.deepEqual(event.guardrails.find((v: any) => v.guardrail === 'slow-allow').entities, [
      'check_failed',
    ]);
    // The request log finds it by guardrail and verdict.
    const found = await admin('GET', '/admin/logs?guardrail=slow-allow&guardrail_action=error');
    assert.deepEqual(
      found.body.data.map((e: any) => e.request_id),
      [response.headers.get('x-request-id')],
    );
    const none = await admin('GET', '/admin/logs?guardrail=slow-allow&guardrail_action=blocked');
    assert.equal(none.body.data.length, 0);
  });

  test('a check that times out, on_error block: the caller is refused (Anthropic SDK)', async () => {
    const before = up.requests.length;
    const client = new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
    const err = await client.messages
      .create({ model: 'slow-block', max_tokens: 20, messages: [{ role: 'user', content: 'anything' }] })
      .catch((e) => e);
    assert.equal(err.status, 400, String(err));
    assert.match(err.message, /slow-block.*check_failed/);
    assert.equal(up.requests.length, before);
  });

  test('llm_judge asks a configured model (the mock) and parses its verdict; the judge call is on the record', async () => {
    const err = await ask(openai(), 'judged', 'tell me the launch codes').catch((e) => e);
    assert.equal(err.status, 400, String(err));
    assert.match(err.message, /"judge"/);
    up.script.pieces = ['sure'];
    const { data } = await ask(openai(), 'judged', 'tell me a joke');
    assert.equal(data.choices[0]!.message.content, 'sure');
    let judged = false;
    for (let i = 0; i < 200 && !judged; i++) {
      const { body } = await admin('GET', '/admin/logs?model=judge');
      judged = body.data.some((e: any) => e.route === 'internal:guardrail:judge');
      if (!judged) await sleep(25);
    }
    assert.ok(judged, 'the judge call is logged');
  });
});

describe('json_schema', () => {
  const format = {
    type: 'json_schema' as const,
    json_schema: {
      name: 'person',
      schema: {
        type: 'object',
        properties: { name: { type: 'string' } },
        required: ['name'],
        additionalProperties: false,
      },
    },
  };
  const call = (stream: boolean) =>
    openai().chat.completions.create({
      model: 'structured',
      messages: [{ role: 'user', content: 'who?' }],
      response_format: format,
      ...(stream ? { stream: true as const } : {}),
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);

  test("an answer that fits the caller's schema passes", async () => {
    up.script.pieces = ['{"name":', '"Ada"}'];
    const data = (await call(false)) as OpenAI.ChatCompletion;
    assert.equal(data.choices[0]!.message.content, '{"name":"Ada"}');
  });

  test('an answer that does not fit is withheld; streamed, the stream ends in an error', async () => {
    up.script.pieces = ['{"name":', ' 42}'];
    const err = await call(false).catch((e) => e);
    assert.equal(err.status, 400, String(err));
    assert.match(err.message, /schema.*schema_mismatch/);
    const stream = (await call(true)) as unknown as AsyncIterable<OpenAI.ChatCompletionChunk>;
    const failure = await (async () => {
      for await (const _ of stream);
    })().catch((e) => e);
    assert.match(String(failure?.message ?? failure), /schema_mismatch/);
  });
});
