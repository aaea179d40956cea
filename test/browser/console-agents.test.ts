// The console's agent pages in a real browser: a tool call waiting for a person is approved from the
// Approvals page and then runs; the run's timeline, the MCP tools, routing and cache pages draw.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { artifacts, browserMissing, launchBrowser } from '../helpers/browser.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { startHttpMcpServer, type TestMcpServer } from '../mcp-servers/http.ts';

describe('the console approves a waiting tool call', { skip: browserMissing() }, () => {
  let gateway: Gateway;
  let github: TestMcpServer;
  let browser: Browser;
  let page: Page;
  let client: Client;
  const admin = adminClient(() => gateway);
  const problems: string[] = [];

  before(async () => {
    github = await startHttpMcpServer('github');
    gateway = await startTestGateway({
      ...mockOnlyConfig,
      mcp_servers: { github: { transport: 'http', url: github.url, approval: { required: ['delete_*'], timeout_s: 60 } } },
    });
    assert.equal((await admin('POST', '/admin/teams', { name: 'agents', tools: ['github__*'] })).status, 201);
    const key = await admin('POST', '/admin/keys', { name: 'coder', team: 'agents' });
    const transport = new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key.body.key}`, 'x-gatehouse-run-id': 'cleanup' } },
    });
    client = new Client({ name: 'coding-agent', version: '1.0.0' });
    await client.connect(transport);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${gateway.url}/ui/approvals`);
    await page.getByLabel('Master key').fill(testMasterKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Approvals' }).waitFor();
  });
  after(async () => {
    await client?.close().catch(() => {});
    await browser?.close();
    await gateway?.stop(1_000);
    await github?.close();
  });

  test('the call waits until a person approves it on the page, then runs', async () => {
    const call = client.callTool({ name: 'github__delete_repo', arguments: { repo: 'acme/old' } });
    let settled = false;
    void call.finally(() => (settled = true));
    await page.reload();
    const approve = page.getByRole('button', { name: /^Approve github\/delete_repo / });
    for (let i = 0; i < 100 && !(await approve.count()); i++) {
      await new Promise((r) => setTimeout(r, 100));
      await page.reload();
    }
    await page.getByText('"repo":"acme/old"').waitFor();
    await page.screenshot({ path: `${artifacts}/approvals.png`, fullPage: true });
    assert.equal(settled, false, 'the call waited for the decision');
    await approve.click();
    const result = (await call) as { content: Array<{ text: string }> };
    assert.equal(result.content[0]!.text, 'deleted acme/old');
    await page.getByText('No tool call is waiting for a person.').waitFor();
    const decided = await admin('GET', '/admin/approvals?status=approved');
    assert.equal(decided.body.data[0].decided_by, 'master');
  });

  test('the run, MCP, routing and cache pages draw', async () => {
    for (let i = 0; i < 100; i++) {
      const runs = await admin('GET', '/admin/runs');
      if (runs.body.data.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await page.goto(`${gateway.url}/ui/runs`);
    await page.getByRole('link', { name: 'cleanup' }).click();
    await page.getByRole('list', { name: 'Timeline' }).getByText('tool github/delete_repo').waitFor();
    await page.screenshot({ path: `${artifacts}/run.png`, fullPage: true });
    for (const [path, title, shows] of [
      ['/ui/mcp', 'MCP tools', 'delete_repo'],
      ['/ui/routing', 'Routing', 'mock-fast'],
      ['/ui/cache', 'Cache', 'Purge'],
    ] as const) {
      await page.goto(gateway.url + path);
      await page.getByRole('heading', { name: title }).waitFor();
      await page.getByText(shows).first().waitFor();
      await page.screenshot({ path: `${artifacts}/${path.slice(4)}.png`, fullPage: true });
    }
    assert.deepEqual(problems, []);
  });
});
