// The OpenAI Responses surface end to end with the official SDK's responses.create and
// responses.stream, on SQLite and on PostgreSQL: answers from the mock provider, conversation state
// (previous_response_id, item references, GET / DELETE / input_items) reached only by the caller's
// own team, `store: false` and body logging `off` storing nothing, refusals in OpenAI's envelope,
// and the request log's route.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { openDatabase } from '../../src/store/index.ts';
import { EventStores } from '../../src/telemetry/event-stores.ts';
import { bothStores } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const stores = await bothStores();

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather in a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

for (const store of stores) {
  describe(`the Responses surface on ${store.name}`, { skip: store.skip ?? false }, () => {
    let gateway: Gateway;
    let databaseUrl: string;
    const keys: Record<string, string> = {};
    const client = (key = keys.alpha!) =>
      new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const admin = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as any;
    };

    before(async () => {
      databaseUrl =
        store.name === 'sqlite'
          ? `sqlite:${join(mkdtempSync(join(tmpdir(), 'gatehouse-responses-')), 'gatehouse.db')}`
          : store.url!;
      gateway = await startTestGateway(mockOnlyConfig, { databaseUrl });
      for (const [team, logBodies] of [
        ['alpha', 'metadata'],
        ['beta', 'full'],
        ['quiet', 'off'],
        ['brief', 'metadata'],
      ] as const) {
        const retention = team === 'brief' ? { retention_days: 1 } : {};
        await admin('POST', '/admin/teams', { name: team, log_bodies: logBodies, ...retention });
        keys[team] = (await admin('POST', '/admin/keys', { name: `${team}-app`, team })).key;
      }
    });
    after(async () => {
      await gateway?.stop(0);
      await store.drop();
    });

    test('responses.create answers a string input, with usage, and the answer is stored', async () => {
      const response = await client().responses.create({
        model: 'mock-fast',
        input: 'Hello from the Responses API',
        instructions: 'Be brief.',
        metadata: { run: 'e2e' },
      });
      assert.match(response.id, /^resp_/);
      assert.equal(response.object, 'response');
      assert.equal(response.status, 'completed');
      assert.equal(response.output_text, 'Mock answer from Gatehouse to: "Hello from the Responses API"');
      assert.ok(response.usage && response.usage.input_tokens > 0 && response.usage.output_tokens > 0);
      assert.equal(response.usage.total_tokens, response.usage.input_tokens + response.usage.output_tokens);
      assert.equal(response.instructions, 'Be brief.');
      assert.deepEqual(response.metadata, { run: 'e2e' });

      const stored = await client().responses.retrieve(response.id);
      assert.equal(stored.id, response.id);
      assert.equal(stored.output_text, response.output_text);
      const items = await client().responses.inputItems.list(response.id);
      assert.equal(items.data.length, 1);
      const first = items.data[0] as any;
      assert.equal(first.role, 'user');
      assert.match(first.id, /^msg_/);
    });

    test('responses.stream carries the full event sequence, numbered, and ends with usage', async () => {
      const stream = client().responses.stream({ model: 'mock-fast', input: 'Stream this please' });
      const events: any[] = [];
      for await (const event of stream) events.push(event);
      const final = await stream.finalResponse();
      assert.deepEqual(
        events.map((e) => e.sequence_number),
        events.map((_, i) => i),
      );
      const types = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
      assert.deepEqual(types, [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      const text = events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join('');
      assert.equal(text, 'Mock answer from Gatehouse to: "Stream this please"');
      assert.equal(final.output_text, text);
      assert.ok(final.usage && final.usage.output_tokens > 0);
      // Stored like a plain answer.
      assert.equal((await client().responses.retrieve(final.id)).output_text, text);
    });

    test('a tool call, then its output by previous_response_id, continues the conversation', async () => {
      const first = await client().responses.create({
        model: 'mock-fast',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Weather in Lisbon?' }] }],
        tools: [weatherTool],
        tool_choice: 'required',
      });
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call && call.type === 'function_call');
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments), { city: 'example' });
      assert.match(call.id!, /^fc_/);

      const second = await client().responses.create({
        model: 'mock-fast',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":22}' }],
        tools: [weatherTool],
      });
      // The mock answers this only when it sees the call and its result: the history was expanded.
      assert.equal(second.output_text, 'Received 1 tool result.');
      assert.equal(second.previous_response_id, first.id);

      // A streamed continuation by reference to the stored items works the same way.
      const stream = client().responses.stream({
        model: 'mock-fast',
        input: [
          { role: 'user', content: 'Weather in Lisbon?' },
          { type: 'item_reference', id: call.id! },
          { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":22}' },
        ],
        tools: [weatherTool],
      });
      assert.equal((await stream.finalResponse()).output_text, 'Received 1 tool result.');
    });

    test('a response is reached only by its own team; DELETE removes it', async () => {
      const own = await client().responses.create({ model: 'mock-fast', input: 'team secret' });
      for (const attempt of [
        () => client(keys.beta).responses.retrieve(own.id),
        () => client(keys.beta).responses.inputItems.list(own.id),
        () => client(keys.beta).responses.delete(own.id),
        () =>
          client(keys.beta).responses.create({
            model: 'mock-fast',
            previous_response_id: own.id,
            input: 'hi',
          }),
        () => client(testMasterKey).responses.retrieve(own.id),
      ]) {
        await assert.rejects(attempt(), (err: unknown) => {
          assert.ok(err instanceof OpenAI.NotFoundError, String(err));
          assert.equal((err.error as any).code, 'response_not_found');
          return true;
        });
      }
      await client().responses.delete(own.id);
      await assert.rejects(client().responses.retrieve(own.id), OpenAI.NotFoundError);
    });

    test('store: false, or a team whose body logging is off, stores nothing', async () => {
      const unstored = await client().responses.create({
        model: 'mock-fast',
        input: 'forget me',
        store: false,
      });
      assert.equal((unstored as any).store, false);
      await assert.rejects(client().responses.retrieve(unstored.id), OpenAI.NotFoundError);
      const quiet = await client(keys.quiet).responses.create({ model: 'mock-fast', input: 'keep nothing' });
      assert.equal((quiet as any).store, false);
      await assert.rejects(client(keys.quiet).responses.retrieve(quiet.id), OpenAI.NotFoundError);
    });

    test('stored text is redacted as the request log is', async () => {
      const response = await client(keys.beta).responses.create({
        model: 'mock-fast',
        input: 'Write to ada@example.com please',
      });
      assert.match(response.output_text, /ada@example\.com/, 'the caller gets its answer as it is');
      const stored = await client(keys.beta).responses.retrieve(response.id);
      assert.doesNotMatch(JSON.stringify(stored), /ada@example\.com/);
      assert.match(stored.output_text ?? JSON.stringify(stored.output), /\[REDACTED:EMAIL\]/);
      const items = await client(keys.beta).responses.inputItems.list(response.id);
      assert.doesNotMatch(JSON.stringify(items.data), /ada@example\.com/);
    });

    test('stored responses are deleted with the team’s request-log retention', async () => {
      const brief = await client(keys.brief).responses.create({ model: 'mock-fast', input: 'short-lived' });
      const kept = await client().responses.create({ model: 'mock-fast', input: 'long-lived' });
      // The gateway's own retention runs hourly; a second set of stores on the same database runs it now.
      const database = await openDatabase(databaseUrl);
      const stores = await EventStores.open({
        database,
        regions: {},
        spillDir: mkdtempSync(join(tmpdir(), 'gatehouse-responses-spill-')),
        logging: { bodies: 'metadata', retention_check_minutes: 60 },
        log: () => {},
      });
      try {
        assert.ok((await stores.enforceRetention(Date.now() + 2 * 86_400_000)) >= 1);
      } finally {
        await stores.stop();
        await database.close();
      }
      await assert.rejects(client(keys.brief).responses.retrieve(brief.id), OpenAI.NotFoundError);
      assert.equal(
        (await client().responses.retrieve(kept.id)).id,
        kept.id,
        'teams without retention keep theirs',
      );
    });

    test('built-in tools are refused with a clear 400 where no Responses target serves them', async () => {
      await assert.rejects(
        client().responses.create({ model: 'mock-fast', input: 'news?', tools: [{ type: 'web_search' }] }),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.BadRequestError, String(err));
          assert.match(err.message, /web_search: served only by OpenAI Responses targets/);
          assert.equal((err.error as any).param, 'tools');
          return true;
        },
      );
    });

    test('bad input is a 400 in OpenAI’s envelope naming the field', async () => {
      for (const [body, param] of [
        [{ model: 'mock-fast' }, 'input'],
        [{ model: 'mock-fast', input: [{ type: 'function_call', name: 'x' }] }, 'input[0].call_id'],
        [
          { model: 'mock-fast', input: 'x', tools: [{ type: 'function', name: 'bad name' }] },
          'tools[0].name',
        ],
        [{ model: 'mock-fast', input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
        [{ model: 'mock-fast', input: [{ type: 'item_reference', id: 'msg_nowhere' }] }, null],
      ] as const) {
        const res = await fetch(`${gateway.url}/v1/responses`, {
          method: 'POST',
          headers: { authorization: `Bearer ${keys.alpha}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const answer = (await res.json()) as any;
        assert.equal(res.status, param === null ? 404 : 400, JSON.stringify(answer));
        assert.deepEqual(Object.keys(answer.error).sort(), ['code', 'message', 'param', 'type']);
        assert.equal(answer.error.param, param);
      }
      const wrongMethod = await fetch(`${gateway.url}/v1/responses/resp_x/input_items`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${keys.alpha}` },
      });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get('allow'), 'GET');
      for (const [path, status] of [
        ['/v1/responses/%E0%A4%A', 400],
        ['/v1/responses/resp_x/other', 404],
        ['/v1/responses/resp_x/input_items?limit=500', 400],
      ] as const) {
        const res = await fetch(gateway.url + path, { headers: { authorization: `Bearer ${keys.alpha}` } });
        assert.equal(res.status, status, path);
        assert.ok(((await res.json()) as any).error.message, path);
      }
    });

    test('the request log records Responses calls under their route', async () => {
      const response = await client().responses.create({ model: 'mock-fast', input: 'log me' });
      await client().responses.retrieve(response.id);
      let rows: any[] = [];
      for (let i = 0; i < 100 && rows.length < 2; i++) {
        rows = (await admin('GET', '/admin/logs?model=mock-fast&limit=1000')).data.filter((r: any) =>
          String(r.route).startsWith('/v1/responses'),
        );
        if (rows.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const routes = new Set(rows.map((r) => r.route));
      assert.ok(routes.has('/v1/responses'), JSON.stringify([...routes]));
      const row = rows.find((r) => r.route === '/v1/responses');
      assert.equal(row.status, 200);
      assert.ok(row.usage?.input_tokens > 0 || row.input_tokens > 0, JSON.stringify(row));
    });
  });
}

describe('stored responses and data residency', () => {
  test('a team pinned to a region has its responses stored, and found, only in the region’s store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-responses-region-'));
    const databaseUrl = `sqlite:${join(dir, 'gatehouse.db')}`;
    const euUrl = `sqlite:${join(dir, 'eu.db')}`;
    const gateway = await startTestGateway(
      {
        ...mockOnlyConfig,
        regions: { eu: { database_url: euUrl } },
        providers: { mock: { type: 'mock', regions: ['eu'] } },
      },
      { databaseUrl },
    );
    try {
      const admin = async (path: string, body: unknown) =>
        (await (
          await fetch(gateway.url + path, {
            method: 'POST',
            headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json()) as any;
      await admin('/admin/teams', { name: 'eu-team', region: 'eu' });
      const { key } = await admin('/admin/keys', { name: 'eu-app', team: 'eu-team' });
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
      const first = await client.responses.create({ model: 'mock-fast', input: 'Bonjour' });
      const next = await client.responses.create({
        model: 'mock-fast',
        previous_response_id: first.id,
        input: 'Encore',
      });
      assert.equal(next.previous_response_id, first.id);
      assert.equal((await client.responses.retrieve(first.id)).id, first.id);

      const stored = async (url: string) => {
        const database = await openDatabase(url);
        try {
          return (await database.db.selectFrom('responses').select('id').execute()).map((r) => r.id).sort();
        } finally {
          await database.close();
        }
      };
      assert.deepEqual(await stored(euUrl), [first.id, next.id].sort());
      assert.deepEqual(await stored(databaseUrl), []);
    } finally {
      await gateway.stop(0);
    }
  });
});
