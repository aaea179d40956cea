// SIGTERM with tool calls in flight: a call within the grace period finishes and its answer reaches
// the agent; one that outlasts it ends with an MCP error saying the gateway shut down (not a cut
// connection); the process exits 0 in both cases, taking its stdio MCP server with it.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGatehouse } from '../helpers/cli.ts';

const stdioServer = new URL('../mcp-servers/stdio.ts', import.meta.url).pathname;

async function gatehouseWithStdioServer(graceMs: number) {
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-mcp-'));
  writeFileSync(
    join(cwd, 'gatehouse.yaml'),
    [
      `server: { shutdown_grace_ms: ${graceMs} }`,
      'mcp_servers:',
      `  local: { transport: stdio, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(stdioServer)}, local] }`,
      '',
    ].join('\n'),
  );
  const gh = await startGatehouse(['--config', 'gatehouse.yaml'], {
    cwd,
    env: { GATEHOUSE_MASTER_KEY: 'k' },
  });
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gh.url}/mcp`), {
      requestInit: { headers: { authorization: 'Bearer k' } },
    }),
  );
  return { gh, client };
}

test('SIGTERM lets a tool call in flight finish, then exits 0', async () => {
  const { gh, client } = await gatehouseWithStdioServer(10_000);
  try {
    let progressed = false;
    const call = client.callTool({ name: 'local__slow', arguments: { ms: 800 } }, undefined, {
      onprogress: () => {
        progressed = true;
      },
    });
    const deadline = Date.now() + 10_000;
    while (!progressed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(progressed, 'the call started');
    gh.process.kill('SIGTERM');
    const result = await call;
    assert.deepEqual(result.content, [{ type: 'text', text: 'slept 800' }]);
    assert.equal(await gh.exited, 0);
  } catch (err) {
    console.error(gh.output());
    throw err;
  } finally {
    gh.process.kill('SIGKILL');
  }
});

test('a tool call that outlasts the grace period ends with an MCP error, and the process exits 0', async () => {
  const { gh, client } = await gatehouseWithStdioServer(300);
  try {
    let progressed = false;
    const started = performance.now();
    const call = client.callTool({ name: 'local__slow', arguments: { ms: 20_000 } }, undefined, {
      onprogress: () => {
        progressed = true;
      },
      timeout: 30_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    gh.process.kill('SIGTERM');
    // Cut by the grace period, or (on a slow machine) refused as it arrived: either way it says so.
    await assert.rejects(call, /shut down|shutting down/);
    assert.equal(progressed, false);
    assert.equal(await gh.exited, 0);
    assert.ok(performance.now() - started < 15_000, 'did not wait for the 20 s call');
  } finally {
    gh.process.kill('SIGKILL');
  }
});
