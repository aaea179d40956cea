// Agent runs and approvals on tool calls, end to end: a real MCP server written with the SDK behind
// the gateway, and the SDK's Client as the agent. Run bounds and the loop breaker refuse tool calls
// with an MCP error naming the bound; a run ties model calls and tool calls into one timeline (by
// the run header, else by the MCP session); a tool that needs approval waits for a person, who
// approves or denies it through the admin API, or lets it time out.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';
import { mcpRefusal as refusal, toolText as text } from '../helpers/mcp.ts';
import { startHttpMcpServer, type TestMcpServer } from '../mcp-servers/http.ts';

describe('agent runs and approvals through the MCP gateway', () => {
  let gateway: Gateway;
  let github: TestMcpServer;
  const notices: Array<{ text: string; event: { id: string; kind: string; tool: string } }> = [];
  const webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      notices.push(JSON.parse(body));
      res.end();
    });
  });
  const admin = adminClient(() => gateway);
  const clients: Client[] = [];

  async function agent(key: string, headers: Record<string, string> = {}) {
    const transport = new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } },
    });
    const client = new Client({ name: 'coding-agent', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  async function key(name: string, run?: Record<string, number>): Promise<{ id: string; secret: string }> {
    const created = await admin('POST', '/admin/keys', { name, team: 'agents', ...(run ? { run } : {}) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id: created.body.id, secret: created.body.key };
  }

  async function pending(
    tool: string,
    keyId: string,
  ): Promise<{ id: string; status: string; arguments: unknown }> {
    for (let i = 0; i < 200; i++) {
      const page = await admin('GET', '/admin/approvals');
      const found = page.body.data.find(
        (a: { tool: string; key_id: string }) => a.tool === tool && a.key_id === keyId,
      );
      if (found) return found;
      await sleep(25);
    }
    assert.fail(`no pending approval for ${tool}`);
  }

  async function runView(id: string, calls: number) {
    for (let i = 0; i < 200; i++) {
      const res = await admin('GET', `/admin/runs/${encodeURIComponent(id)}`);
      if (res.status === 200 && res.body.timeline.length >= calls) return res.body;
      await sleep(25);
    }
    assert.fail(`run ${id} never showed ${calls} calls`);
  }

  before(async () => {
    github = await startHttpMcpServer('github');
    webhook.listen(0, '127.0.0.1');
    await once(webhook, 'listening');
    gateway = await startTestGateway({
      ...mockOnlyConfig,
      governance: { webhook_url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/approvals` },
      mcp_servers: {
        github: { transport: 'http', url: github.url, approval: { required: ['delete_*'], timeout_s: 60 } },
        // The same server again, with a timeout short enough to run out in a test.
        quick: { transport: 'http', url: github.url, approval: { required: ['delete_*'], timeout_s: 1 } },
      },
    });
    const team = await admin('POST', '/admin/teams', { name: 'agents', tools: ['github__*', 'quick__*'] });
    assert.equal(team.status, 201, JSON.stringify(team.body));
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await gateway?.stop(1_000);
    await github?.close();
    webhook.close();
  });

  test('max_tool_calls refuses the tool call past it with an MCP error naming the bound', async () => {
    const coder = await key('bounded-coder', { max_tool_calls: 2 });
    const { client } = await agent(coder.secret, { 'x-gatehouse-run-id': 'fix-42' });
    for (const q of ['a', 'b']) await client.callTool({ name: 'github__search', arguments: { q } });
    const err = await refusal(client.callTool({ name: 'github__search', arguments: { q: 'c' } }));
    assert.match(
      err.message,
      /run "fix-42" reached its bound max_tool_calls: 2 tool calls set by the key "bounded-coder"/,
    );
    assert.deepEqual(err.data, { code: 'run_limit_exceeded', bound: 'max_tool_calls' });
    assert.equal(
      github.log.calls.filter((c) => c.args.q === 'c').length,
      0,
      'the refused call never reached the server',
    );
  });

  test('the loop breaker stops a run calling one tool with the same arguments over and over', async () => {
    const coder = await key('looping-coder', { max_repeats: 2 });
    const { client } = await agent(coder.secret, { 'x-gatehouse-run-id': 'loop' });
    await client.callTool({ name: 'github__search', arguments: { q: 'same' } });
    await client.callTool({ name: 'github__search', arguments: { q: 'same' } });
    const err = await refusal(client.callTool({ name: 'github__search', arguments: { q: 'same' } }));
    assert.deepEqual(err.data, { code: 'run_limit_exceeded', bound: 'max_repeats' });
    assert.match(
      err.message,
      /the same tool call more than 2 times in a row; the loop breaker stopped the run/,
    );
  });

  test('one run ties model calls and tool calls: bounds count both, and the timeline shows both', async () => {
    const coder = await key('mixed-coder', { max_steps: 10, max_tool_calls: 10 });
    const openai = new OpenAI({
      apiKey: coder.secret,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { 'x-gatehouse-run-id': 'mixed' },
    });
    const { client } = await agent(coder.secret, { 'x-gatehouse-run-id': 'mixed' });
    await openai.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'plan' }],
    });
    await client.callTool({ name: 'github__search', arguments: { q: 'bug' } });
    await openai.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'fix' }],
    });
    const run = await runView(`${coder.id}:mixed`, 3);
    assert.equal(run.model_calls, 2);
    assert.equal(run.tool_calls, 1);
    assert.deepEqual(
      run.timeline.map(
        (s: { kind: string; model: string | null; server: string | null; tool: string | null }) =>
          s.kind === 'tool' ? `${s.server}/${s.tool}` : s.model,
      ),
      ['mock-fast', 'github/search', 'mock-fast'],
    );
    assert.deepEqual(
      { steps: run.state.steps, tool_calls: run.state.tool_calls },
      { steps: 2, tool_calls: 1 },
    );
  });

  test('without the run header, the MCP session is the run', async () => {
    const coder = await key('session-coder', { max_tool_calls: 1 });
    const { client, transport } = await agent(coder.secret);
    await client.callTool({ name: 'github__search', arguments: { q: 'one' } });
    const err = await refusal(client.callTool({ name: 'github__search', arguments: { q: 'two' } }));
    assert.deepEqual(err.data, { code: 'run_limit_exceeded', bound: 'max_tool_calls' });
    const run = await runView(`${coder.id}:${transport.sessionId}`, 2);
    assert.equal(run.tool_calls, 2);
    assert.equal(run.timeline[1].verdict, 'refused');
    assert.equal(run.timeline[1].error_code, 'run_limit_exceeded');
    // A new session is a new run.
    const next = await agent(coder.secret);
    await next.client.callTool({ name: 'github__search', arguments: { q: 'three' } });
  });

  test('a tool that needs approval runs once a person approves it; the webhook and the audit log know', async () => {
    const coder = await key('approved-coder');
    const { client } = await agent(coder.secret, { 'x-gatehouse-run-id': 'cleanup' });
    const call = client.callTool({ name: 'github__delete_repo', arguments: { repo: 'acme/old' } });
    const approval = await pending('delete_repo', coder.id);
    assert.equal(approval.status, 'pending');
    assert.deepEqual(approval.arguments, { repo: 'acme/old' });
    assert.equal(
      github.log.calls.filter((c) => c.tool === 'delete_repo').length,
      0,
      'nothing ran before the decision',
    );
    const notice = notices.find((n) => n.event.id === approval.id);
    assert.ok(notice, 'the webhook was told');
    assert.match(notice.text, /asks to run github__delete_repo in run "cleanup"/);
    const decided = await admin('POST', `/admin/approvals/${approval.id}/approve`);
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.equal(decided.body.decided_by, 'master');
    assert.equal(text(await call), 'deleted acme/old');
    const audit = await admin('GET', '/admin/audit?limit=1000');
    const entry = audit.body.data.find((e: { target_id: string }) => e.target_id === approval.id);
    assert.equal(entry.action, 'approval.approved');
    assert.equal(entry.actor, 'master');
    // Decided once.
    assert.equal((await admin('POST', `/admin/approvals/${approval.id}/deny`)).status, 409);
  });

  test('a denied tool call returns an MCP error with the reason, and never reaches the server', async () => {
    const coder = await key('denied-coder');
    const { client } = await agent(coder.secret);
    const call = refusal(client.callTool({ name: 'github__delete_repo', arguments: { repo: 'acme/prod' } }));
    const approval = await pending('delete_repo', coder.id);
    const denied = await admin('POST', `/admin/approvals/${approval.id}/deny`, {
      reason: 'production stays',
    });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));
    const err = await call;
    assert.match(err.message, /denied by master: production stays/);
    assert.deepEqual(err.data, { code: 'approval_denied', approval_id: approval.id, status: 'denied' });
    assert.equal(github.log.calls.filter((c) => c.args.repo === 'acme/prod').length, 0);
    // Tools that need no approval run at once.
    assert.match(text(await client.callTool({ name: 'github__search', arguments: { q: 'x' } })), /found x/);
  });

  test('a tool call nobody decides times out with an MCP error, and the approval says so', async () => {
    const coder = await key('waiting-coder');
    const { client } = await agent(coder.secret);
    const err = await refusal(
      client.callTool({ name: 'quick__delete_repo', arguments: { repo: 'acme/tmp' } }),
    );
    assert.equal((err.data as { code: string }).code, 'approval_timeout');
    assert.match(err.message, /none came within 1 s/);
    const id = (err.data as { approval_id: string }).approval_id;
    const row = await admin('GET', `/admin/approvals/${id}`);
    assert.equal(row.body.status, 'timed_out');
    assert.equal(row.body.decided_by, 'gatehouse');
  });

  test('an agent that gives up on the call ends its wait', async () => {
    const coder = await key('impatient-coder');
    const { client } = await agent(coder.secret);
    const cancel = new AbortController();
    const call = client
      .callTool({ name: 'github__delete_repo', arguments: { repo: 'acme/x' } }, undefined, {
        signal: cancel.signal,
      })
      .catch(() => 'gone');
    const approval = await pending('delete_repo', coder.id);
    cancel.abort();
    assert.equal(await call, 'gone');
    for (let i = 0; i < 200; i++) {
      if ((await admin('GET', `/admin/approvals/${approval.id}`)).body.status === 'cancelled') return;
      await sleep(25);
    }
    assert.fail('the approval was not cancelled');
  });

  test('/metrics counts waits by outcome and calls refused by run bounds', async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    for (const outcome of ['approved', 'denied', 'timed_out', 'cancelled'])
      assert.match(metrics, new RegExp(`gatehouse_approvals_total\\{outcome="${outcome}"\\} 1`), outcome);
    assert.match(metrics, /gatehouse_approvals_waiting 0/);
    assert.match(metrics, /gatehouse_refusals_total\{reason="run_limit_exceeded",team="team_[^"]+"\} [1-9]/);
  });
});

describe('a gateway that stops while a tool call waits for approval', () => {
  test('ends the wait at once: the agent gets an answer, and the tool never runs', async () => {
    const github = await startHttpMcpServer('github');
    const gateway = await startTestGateway({
      mcp_servers: {
        github: { transport: 'http', url: github.url, approval: { required: ['delete_*'], timeout_s: 600 } },
      },
    });
    const admin = adminClient(() => gateway);
    await admin('POST', '/admin/teams', { name: 'agents', tools: ['github__*'] });
    const created = await admin('POST', '/admin/keys', { name: 'coder', team: 'agents' });
    const client = new Client({ name: 'coding-agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${created.body.key}` } },
      }),
    );
    const outcome = client.callTool({ name: 'github__delete_repo', arguments: { repo: 'acme/a' } }).then(
      () => 'ran',
      (err: unknown) => (err instanceof McpError ? `mcp error: ${err.message}` : `failed: ${String(err)}`),
    );
    let id: string | undefined;
    for (let i = 0; i < 200 && !id; i++) {
      id = (await admin('GET', '/admin/approvals')).body.data[0]?.id;
      if (!id) await sleep(25);
    }
    assert.ok(id);
    const stopped = Date.now();
    await gateway.stop(5_000);
    // Well within the 600 s the approval could have waited, and within the grace period.
    assert.ok(Date.now() - stopped < 5_000, `the stop took ${Date.now() - stopped} ms`);
    assert.notEqual(await outcome, 'ran');
    assert.equal(github.log.calls.filter((c) => c.tool === 'delete_repo').length, 0);
    await client.close().catch(() => {});
    await github.close();
  });
});
