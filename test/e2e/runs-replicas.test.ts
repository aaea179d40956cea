// Run bounds hold for a fleet: three gateways sharing a fresh PostgreSQL and Redis, with a run's
// calls spread across them. Steps counted by all replicas stop at the bound exactly, cost settled on
// one replica stops the run on another, and the loop breaker sees a row of calls made through
// different replicas; any replica shows the whole run.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { freshPostgres } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { redisUrl } from '../helpers/redis.ts';
import { startHttpMcpServer, type TestMcpServer } from '../mcp-servers/http.ts';

const redis = await redisUrl();
const postgres = await freshPostgres();
const skip = postgres.skip ?? (redis ? false : 'Redis is not running on 127.0.0.1:6379; skipping');

describe('run bounds across three replicas sharing PostgreSQL and Redis', { skip }, () => {
  const replicas: Gateway[] = [];
  const mcpClients: Client[] = [];
  let github: TestMcpServer;

  before(async () => {
    github = await startHttpMcpServer('github');
    const config = {
      ...mockOnlyConfig,
      mcp_servers: {
        github: { transport: 'http', url: github.url, approval: { required: ['delete_*'], timeout_s: 60 } },
      },
    };
    // One after the other, so that only the first applies the migrations.
    for (let i = 0; i < 3; i++)
      replicas.push(await startTestGateway(config, { databaseUrl: postgres.url!, redisUrl: redis! }));
    assert.equal(
      (await admin(0, 'POST', '/admin/teams', { name: 'fleet', tools: ['github__*'] })).status,
      201,
    );
  });
  after(async () => {
    for (const c of mcpClients) await c.close().catch(() => {});
    for (const replica of replicas) await replica.stop(0);
    await github?.close();
    await postgres.drop();
  });

  async function agent(replica: number, secret: string, runId: string): Promise<Client> {
    const client = new Client({ name: 'fleet-agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${replicas[replica]!.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${secret}`, 'x-gatehouse-run-id': runId } },
      }),
    );
    mcpClients.push(client);
    return client;
  }

  async function admin(replica: number, method: string, path: string, body?: unknown) {
    const res = await fetch(replicas[replica]!.url + path, {
      method,
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  async function key(name: string, run: Record<string, number>) {
    const created = await admin(0, 'POST', '/admin/keys', { name, team: 'fleet', run });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id: created.body.id as string, secret: created.body.key as string };
  }

  const clients = (secret: string, runId: string) =>
    replicas.map(
      (replica) =>
        new OpenAI({
          apiKey: secret,
          baseURL: `${replica.url}/v1`,
          maxRetries: 0,
          defaultHeaders: { 'x-gatehouse-run-id': runId },
        }),
    );

  const ask = (client: OpenAI, content: string) =>
    client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content }] }).then(
      () => 'served',
      (err: unknown) => (err instanceof OpenAI.APIError ? (err.code ?? String(err.status)) : String(err)),
    );

  test('max_steps holds exactly for calls spread over the fleet at once', async () => {
    const agent = await key('burst', { max_steps: 7 });
    const fleet = clients(agent.secret, 'burst-run');
    const outcomes = await Promise.all(Array.from({ length: 21 }, (_, i) => ask(fleet[i % 3]!, `call ${i}`)));
    assert.equal(outcomes.filter((o) => o === 'served').length, 7, outcomes.join(', '));
    assert.equal(outcomes.filter((o) => o === 'run_limit_exceeded').length, 14, outcomes.join(', '));
    // Any replica shows the whole run, from the shared log and the shared counters.
    let run: any;
    for (let i = 0; i < 200; i++) {
      run = (await admin(2, 'GET', `/admin/runs/${agent.id}:burst-run`)).body;
      if (run.timeline?.length === 21) break;
      await sleep(50);
    }
    assert.equal(run.timeline.length, 21);
    assert.equal(run.refused_by_bounds, 14);
    assert.equal(run.state.steps, 7);
  });

  test('cost settled through one replica stops the run on the others', async () => {
    const agent = await key('spender', { max_cost_usd: 0.000001 });
    const [first, second, third] = clients(agent.secret, 'cost-run');
    assert.equal(await ask(first!, 'spend'), 'served');
    assert.equal(await ask(second!, 'more'), 'run_limit_exceeded');
    assert.equal(await ask(third!, 'more'), 'run_limit_exceeded');
  });

  test('the loop breaker counts a row of the same request made through different replicas', async () => {
    const agent = await key('looper', { max_repeats: 2 });
    const [first, second, third] = clients(agent.secret, 'loop-run');
    assert.equal(await ask(first!, 'retry'), 'served');
    assert.equal(await ask(second!, 'retry'), 'served');
    assert.equal(await ask(third!, 'retry'), 'run_limit_exceeded');
    assert.equal(await ask(first!, 'something new'), 'run_limit_exceeded', 'the run stays stopped');
  });

  test('tool calls of one run made through three replicas share max_tool_calls', async () => {
    const agentKey = await key('tools', { max_tool_calls: 2 });
    const [a, b, c] = [
      await agent(0, agentKey.secret, 'tool-run'),
      await agent(1, agentKey.secret, 'tool-run'),
      await agent(2, agentKey.secret, 'tool-run'),
    ];
    await a!.callTool({ name: 'github__search', arguments: { q: '1' } });
    await b!.callTool({ name: 'github__search', arguments: { q: '2' } });
    try {
      await c!.callTool({ name: 'github__search', arguments: { q: '3' } });
      assert.fail('served past max_tool_calls');
    } catch (err) {
      assert.ok(err instanceof McpError, String(err));
      assert.deepEqual(err.data, { code: 'run_limit_exceeded', bound: 'max_tool_calls' });
    }
  });

  test('a tool call waiting on one replica is approved through another', async () => {
    const agentKey = await key('approver', {});
    const client = await agent(0, agentKey.secret, 'approval-run');
    const call = client.callTool({ name: 'github__delete_repo', arguments: { repo: 'acme/fleet' } });
    let id: string | undefined;
    for (let i = 0; i < 200 && !id; i++) {
      const page = await admin(2, 'GET', '/admin/approvals');
      id = page.body.data.find((a: { key_id: string }) => a.key_id === agentKey.id)?.id;
      if (!id) await sleep(25);
    }
    assert.ok(id, 'the approval is visible on another replica');
    assert.equal((await admin(2, 'POST', `/admin/approvals/${id}/approve`)).status, 200);
    const result = (await call) as { content: Array<{ text: string }> };
    assert.equal(result.content[0]!.text, 'deleted acme/fleet');
    // And the list of runs, read from PostgreSQL through yet another replica, pages.
    for (let i = 0; i < 200; i++) {
      if ((await admin(1, 'GET', '/admin/runs?run_id=approval-run')).body.data.length === 1) break;
      await sleep(25);
    }
    const first = await admin(1, 'GET', '/admin/runs?limit=2');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.data.length, 2);
    const seen = new Set(first.body.data.map((r: { id: string }) => r.id));
    let cursor = first.body.next_cursor;
    while (cursor) {
      const page = await admin(1, 'GET', `/admin/runs?limit=2&cursor=${cursor}`);
      for (const r of page.body.data) {
        assert.ok(!seen.has(r.id), `${r.id} twice`);
        seen.add(r.id);
      }
      cursor = page.body.next_cursor;
    }
    assert.ok(seen.has(`${agentKey.id}:approval-run`), [...seen].join(', '));
  });
});
