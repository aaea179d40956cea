// The request log and usage reports end to end, on SQLite and on PostgreSQL with the same
// assertions: one event per request with its principal, tokens, cost, attempts and tags; filters
// and cursor pages at /admin/logs; rollups at /admin/usage that agree with the events.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { bothStores } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const stores = await bothStores();

for (const store of stores) {
  describe(`request log on ${store.name}`, { skip: store.skip ?? false }, () => {
    let gateway: Gateway;
    let teamKey: string;
    let keyId: string;
    let teamId: string;
    const run = `run${Date.now()}`;

    const admin = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    /** Events are written off the request path; wait for the expected count. */
    const logs = async (query: string, expected: number) => {
      for (let i = 0; i < 100; i++) {
        const page = await admin('GET', `/admin/logs?${query}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        if (page.body.data.length >= expected) return page.body;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`fewer than ${expected} events for ${query}`);
    };

    before(async () => {
      gateway = await startTestGateway(mockOnlyConfig, { databaseUrl: store.url! });
      const team = await admin('POST', '/admin/teams', { name: 'search' });
      teamId = team.body.id;
      const key = await admin('POST', '/admin/keys', { name: 'search-app', team: 'search' });
      teamKey = key.body.key;
      keyId = key.body.id;
    });
    after(async () => {
      await gateway?.stop(0);
      await store.drop();
    });

    test('each request leaves one event with principal, tokens, cost, attempts and tags', async () => {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: teamKey, maxRetries: 0 });
      const plain = await client.chat.completions
        .create(
          {
            model: 'mock-fast',
            messages: [{ role: 'user', content: 'hello there' }],
            metadata: { feature: 'search' },
          },
          { headers: { 'x-request-id': `${run}-plain`, 'x-gatehouse-tags': 'env=prod, run=' + run } },
        )
        .withResponse();
      assert.equal(plain.response.status, 200);
      const stream = await client.chat.completions.create(
        {
          model: 'mock-smart',
          messages: [{ role: 'user', content: 'stream it' }],
          stream: true,
          stream_options: { include_usage: true },
        },
        { headers: { 'x-request-id': `${run}-stream`, 'x-gatehouse-tags': `env=dev,run=${run}` } },
      );
      for await (const _ of stream);

      const [event] = (await logs(`request_id=${run}-plain`, 1)).data;
      assert.equal(event.model, 'mock-fast');
      assert.equal(event.provider, 'mock');
      assert.equal(event.status, 200);
      assert.equal(event.surface, 'openai');
      assert.equal(event.key_id, keyId);
      assert.equal(event.team_id, teamId);
      assert.equal(event.stream, false);
      assert.ok(event.input_tokens > 0 && event.output_tokens > 0);
      // The mock models cost $1 / $2 per million input / output tokens.
      assert.ok(Math.abs(event.cost_usd - (event.input_tokens + 2 * event.output_tokens) / 1e6) < 1e-12);
      assert.deepEqual(event.tags, { env: 'prod', run, feature: 'search' });
      assert.equal(event.attempts.length, 1);
      assert.equal(event.attempts[0].provider, 'mock');
      assert.equal(event.attempts[0].status, 200);
      assert.equal(event.attempts[0].error_code, null);
      assert.ok(Number.isInteger(event.attempts[0].latency_ms));
      assert.ok(event.duration_ms >= event.first_byte_ms && event.first_byte_ms > 0);
      assert.ok(Number.isInteger(event.duration_ms) && Number.isInteger(event.first_byte_ms));
      assert.match(event.received_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(event.received_at) - Date.now()) < 60_000);
      // By default the log keeps the shape of the call, never its text.
      assert.deepEqual(event.request_body, {
        messages: 1,
        roles: { user: 1 },
        parts: 1,
        system: false,
        stream: false,
      });
      assert.deepEqual(event.response_body, {
        finish_reason: 'stop',
        output_chars: plain.data.choices[0]!.message.content!.length,
        tool_calls: [],
      });
      assert.doesNotMatch(JSON.stringify([event.request_body, event.response_body]), /hello there/);

      const [streamed] = (await logs(`request_id=${run}-stream`, 1)).data;
      assert.equal(streamed.stream, true);
      assert.ok(streamed.output_tokens > 0 && streamed.cost_usd > 0);
      assert.equal(streamed.client_aborted, false);
    });

    test('refused and failed requests are recorded too', async () => {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${teamKey}`,
          'x-request-id': `${run}-bad`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(res.status, 404);
      const unauthenticated = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer gh-wrong', 'x-request-id': `${run}-anon` },
        body: '{}',
      });
      assert.equal(unauthenticated.status, 401);
      const [bad] = (await logs(`request_id=${run}-bad`, 1)).data;
      assert.equal(bad.status, 404);
      assert.equal(bad.error_code, 'GH_MODEL_NOT_FOUND');
      assert.equal(bad.cost_usd, null);
      const [anon] = (await logs(`request_id=${run}-anon`, 1)).data;
      assert.equal(anon.status, 401);
      assert.equal(anon.key_id, null);
    });

    test('personal data in tags is redacted before it is stored', async () => {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${teamKey}`,
          'x-request-id': `${run}-tagged`,
          'x-gatehouse-tags': 'customer=ada@example.com,env=prod',
        },
        body: JSON.stringify({
          model: 'mock-fast',
          messages: [{ role: 'user', content: 'x' }],
          metadata: { phone: '+14155552671' },
        }),
      });
      assert.equal(res.status, 200);
      const [event] = (await logs(`request_id=${run}-tagged`, 1)).data;
      assert.deepEqual(event.tags, { customer: '[REDACTED:EMAIL]', env: 'prod', phone: '[REDACTED:PHONE]' });
    });

    test('a reused x-request-id still gives each request its own event', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${teamKey}`, 'x-request-id': `${run}-twice` },
          body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: `n${i}` }] }),
        });
        assert.equal(res.status, 200);
      }
      const events = (await logs(`request_id=${run}-twice`, 2)).data;
      assert.equal(events.length, 2);
      assert.notEqual(events[0].id, events[1].id);
    });

    test('filters and cursor pages', async () => {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${teamKey}`,
            'x-request-id': `${run}-page-${i}`,
            'x-gatehouse-tags': `batch=${run}`,
          },
          body: JSON.stringify({
            model: i % 2 ? 'mock-smart' : 'mock-fast',
            messages: [{ role: 'user', content: 'p' }],
          }),
        });
        assert.equal(res.status, 200);
      }
      await logs(`tag=batch=${run}`, 5);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await admin(
          'GET',
          `/admin/logs?tag=batch=${run}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        assert.ok(page.body.data.length <= 2);
        seen.push(...page.body.data.map((e: { request_id: string }) => e.request_id));
        cursor = page.body.next_cursor;
      } while (cursor);
      assert.deepEqual(
        seen.sort(),
        [0, 1, 2, 3, 4].map((i) => `${run}-page-${i}`),
      );

      const smart = await logs(`tag=batch=${run}&model=mock-smart`, 2);
      assert.equal(smart.data.length, 2);
      assert.ok(smart.data.every((e: { model: string }) => e.model === 'mock-smart'));
      const byPrefix = await logs(`request_id=${run}-page-*`, 5);
      assert.equal(byPrefix.data.length, 5);
      const byKey = await admin(
        'GET',
        `/admin/logs?key=${keyId}&team=${teamId}&status=200&since=1h&limit=1000`,
      );
      assert.ok(byKey.body.data.length >= 8);
      assert.ok(byKey.body.data.every((e: { key_id: string }) => e.key_id === keyId));
      const costly = await admin('GET', `/admin/logs?tag=batch=${run}&min_cost=1`);
      assert.equal(costly.body.data.length, 0);
      const notFound = await admin('GET', `/admin/logs?status=404&request_id=${run}-bad`);
      assert.equal(notFound.body.data.length, 1);
    });

    test('usage rollups agree with the events, by team, model, key and tag', async () => {
      const events = (await admin('GET', '/admin/logs?limit=1000')).body.data as Array<{
        cost_usd: number | null;
        model: string | null;
        team_id: string | null;
        status: number;
        input_tokens: number | null;
      }>;
      const spent = (filter: (e: (typeof events)[number]) => boolean) =>
        events.filter(filter).reduce((sum, e) => sum + (e.cost_usd ?? 0), 0);

      const byTeam = await admin('GET', '/admin/usage?by=team&bucket=none&since=1d');
      assert.equal(byTeam.status, 200, JSON.stringify(byTeam.body));
      const search = byTeam.body.data.find((row: { team_id: string }) => row.team_id === teamId);
      assert.equal(search.team_name, 'search');
      assert.equal(search.requests, events.filter((e) => e.team_id === teamId).length);
      assert.ok(Math.abs(search.cost_usd - spent((e) => e.team_id === teamId)) < 1e-9);
      assert.equal(byTeam.body.totals.requests, events.length);
      assert.equal(byTeam.body.totals.errors, events.filter((e) => e.status >= 400).length);

      const byModel = await admin('GET', '/admin/usage?by=model&bucket=hour&since=1d');
      const smart = byModel.body.data.filter((row: { model: string }) => row.model === 'mock-smart');
      assert.match(smart[0].period, /^\d{4}-\d\d-\d\dT\d\d:00Z$/);
      assert.ok(
        Math.abs(
          smart.reduce((s: number, r: { cost_usd: number }) => s + r.cost_usd, 0) -
            spent((e) => e.model === 'mock-smart'),
        ) < 1e-9,
      );

      const byDay = await admin('GET', `/admin/usage?by=key&key=${keyId}&since=1d`);
      assert.match(byDay.body.data[0].period, /^\d{4}-\d\d-\d\d$/);
      assert.equal(byDay.body.data[0].key_name, 'search-app');

      const byUser = await admin('GET', '/admin/usage?by=user&bucket=day&since=1d');
      assert.equal(byUser.status, 200);
      assert.equal(byUser.body.totals.requests, events.length, 'the hourly rollups answer by user');

      const byTag = await admin('GET', '/admin/usage?by=tag:env&bucket=none&since=1d');
      const envs = Object.fromEntries(
        byTag.body.data.map((row: { tag_value: string; requests: number }) => [row.tag_value, row.requests]),
      );
      assert.ok(envs.prod >= 1 && envs.dev >= 1);
    });

    test('bad usage and log queries are refused by parameter', async () => {
      for (const [path, param] of [
        ['/admin/usage?bucket=week', 'bucket'],
        ['/admin/usage?by=colour', 'by'],
        ['/admin/usage?since=yesterday', 'since'],
        ['/admin/usage?since=1d&until=2d', 'until'],
        ['/admin/usage?by=tag:env,model', 'by'],
        ['/admin/logs?limit=0', 'limit'],
        ['/admin/logs?cursor=zzz', 'cursor'],
        ['/admin/logs?tag=novalue', 'tag'],
        ['/admin/logs?status=ok', 'status'],
      ]) {
        const res = await admin('GET', path!);
        assert.equal(res.status, 400, path);
        assert.equal(res.body.error.param, param, path);
      }
    });
  });
}
