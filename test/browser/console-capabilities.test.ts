// The capability pages in a real browser, over traffic sent through the real gateway: guardrail
// verdicts (redacted, blocked, and a shadow guardrail's) drawn per guardrail and per team and opening
// the logs of a guardrail; the cache's hit rate and savings by model and team; the MCP servers, their
// tools and the recent tool calls, one of which opens its request.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { artifacts, browserMissing, launchBrowser } from '../helpers/browser.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { connectMcp } from '../helpers/mcp.ts';
import { startHttpMcpServer, type TestMcpServer } from '../mcp-servers/http.ts';

const awsKey = 'AKIAIOSFODNN7EXAMPLE';

describe('the console shows guardrails, cache and MCP', { skip: browserMissing() }, () => {
  let gateway: Gateway;
  let github: TestMcpServer;
  let browser: Browser;
  let page: Page;
  let agent: Client;
  const admin = adminClient(() => gateway);
  const problems: string[] = [];

  /** Polls an admin read until `done` holds. */
  async function waitFor(path: string, done: (body: any) => boolean): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const answer = await admin('GET', path);
      if (answer.status === 200 && done(answer.body)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`${path} never got there`);
  }

  before(async () => {
    github = await startHttpMcpServer('github');
    gateway = await startTestGateway({
      providers: { mock: { type: 'mock' } },
      models: {
        'mock-fast': {
          targets: [{ provider: 'mock', model: 'mock-fast' }],
          guardrails: ['watch-email', 'no-email'],
        },
        'mock-smart': { targets: [{ provider: 'mock', model: 'mock-smart' }], guardrails: ['no-secrets'] },
      },
      guardrails: {
        'watch-email': { type: 'pii', entities: ['email'], action: 'block', mode: 'shadow', on: ['input'] },
        'no-email': { type: 'pii', entities: ['email'], action: 'redact', on: ['input'] },
        'no-secrets': { type: 'secrets', action: 'block' },
      },
      cache: { exact: { ttl: '1h' } },
      mcp_servers: { github: { transport: 'http', url: github.url } },
    });
    const keys: Record<string, string> = {};
    for (const team of ['search', 'ads']) {
      await admin('POST', '/admin/teams', { name: team, tools: ['github__*'] });
      keys[team] = (await admin('POST', '/admin/keys', { name: `${team}-bot`, team })).body.key;
    }
    const chat = async (key: string, model: string, content: string) =>
      (
        await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
        })
      ).status;
    // Repeats are cache hits; e-mail addresses are redacted (and the shadow guardrail would have
    // blocked them); a secret is blocked.
    for (let i = 0; i < 4; i++)
      assert.equal(await chat(keys.search!, 'mock-fast', 'mail ada@example.com the plan'), 200);
    for (let i = 0; i < 3; i++)
      assert.equal(await chat(keys.ads!, 'mock-smart', 'summarise the quarter'), 200);
    assert.equal(await chat(keys.ads!, 'mock-fast', 'and bob@example.org'), 200);
    assert.equal(await chat(keys.ads!, 'mock-smart', `deploy with ${awsKey}`), 400);
    agent = await connectMcp(`${gateway.url}/mcp`, keys.search!);
    for (const q of ['gatehouse', 'guardrails'])
      await agent.callTool({ name: 'github__search', arguments: { q } });
    await waitFor('/admin/usage?since=1d&bucket=none', (b) => b.totals.cache_hits >= 5);
    await waitFor('/admin/logs?kind=tool', (b) => b.data.length >= 2);
    await waitFor('/admin/guardrails/verdicts?since=1d', (b) => b.totals.enforce.blocked >= 1);

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${gateway.url}/ui/guardrails?since=24h`);
    await page.getByLabel('Master key').fill(testMasterKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Guardrails' }).waitFor();
    // Signed in: from here on, no request of the pages may fail.
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  });
  after(async () => {
    await agent?.close().catch(() => {});
    await browser?.close();
    await gateway?.stop(1_000);
    await github?.close();
  });

  test('guardrails: verdicts over time per guardrail and per team, shadow apart, opening the logs', async () => {
    await page.getByText('Guardrail no-email: verdicts per hour').waitFor();
    await page.getByText('Guardrail watch-email: verdicts per hour').waitFor();
    const table = page.getByRole('table', { name: /Verdicts in this range/ });
    const shadowRow = table.getByRole('row').filter({ hasText: 'watch-email' });
    // Guardrails run before the cache: the four repeats and ads' one are all checked.
    assert.match(await shadowRow.innerText(), /shadow\s+5\s+0\s+0\s+0/);
    await page.screenshot({ path: `${artifacts}/capabilities-guardrails.png`, fullPage: true });

    await page.getByLabel('One chart per').selectOption('team');
    await page.getByText('Team search: verdicts per hour').waitFor();
    await page.getByText('Team ads: verdicts per hour').waitFor();
    assert.match(page.url(), /by=team/);
    await page.screenshot({ path: `${artifacts}/capabilities-guardrails-by-team.png`, fullPage: true });

    await page.getByLabel('One chart per').selectOption('guardrail');
    const chart = page
      .locator('figure', { hasText: 'Guardrail no-secrets: verdicts per hour' })
      .locator('.plot');
    await chart.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Logs' }).waitFor();
    const url = new URL(page.url());
    assert.equal(url.pathname, '/ui/logs');
    assert.equal(url.searchParams.get('guardrail'), 'no-secrets');
    assert.equal(url.searchParams.get('since'), '24h');
    // The list shows that guardrail's requests only.
    const expected = await admin('GET', '/admin/logs?guardrail=no-secrets&since=24h');
    assert.ok(expected.body.data.length > 0);
    await page.locator('main tbody tr').first().waitFor();
    assert.equal(await page.locator('main tbody tr').count(), Math.min(50, expected.body.data.length));
  });

  test('cache: hit rate and savings by model and by team', async () => {
    await page.goto(`${gateway.url}/ui/cache?range=24h`);
    await page.getByText('Hit rate by model').waitFor();
    await page.getByText('Saved (USD) by model').waitFor();
    const table = page.getByRole('table', { name: /The cache by model/ });
    assert.match(
      await table.getByRole('row').filter({ hasText: 'mock-fast' }).innerText(),
      /mock-fast\s+5\s+3\s+60%/,
    );
    assert.match(
      await table.getByRole('row').filter({ hasText: 'mock-smart' }).innerText(),
      /mock-smart\s+3\s+2\s+67%/,
    );
    await page.screenshot({ path: `${artifacts}/capabilities-cache.png`, fullPage: true });
    await page.getByLabel('Break down by').selectOption('team');
    await page.getByText('Hit rate by team').waitFor();
    await page
      .getByRole('table', { name: /The cache by team/ })
      .getByRole('row')
      .filter({ hasText: 'search' })
      .waitFor();
    await page.screenshot({ path: `${artifacts}/capabilities-cache-by-team.png`, fullPage: true });
    const purge = page.getByRole('button', { name: 'Purge the cached answers of team search' });
    page.once('dialog', (d) => void d.accept());
    await purge.click();
    await page
      .getByRole('status')
      .getByText(/search: \d+ cached answer\(s\) purged/)
      .waitFor();
  });

  test('MCP: servers, tools and the recent tool calls, opening a request', async () => {
    await page.goto(`${gateway.url}/ui/mcp`);
    const servers = page.getByRole('table', { name: /Configured servers/ });
    const row = servers.getByRole('row').filter({ hasText: 'github' });
    await row.getByText('connected').waitFor();
    assert.match(
      await row.innerText(),
      /github\s+http\s+http:\/\/127\.0\.0\.1:\d+\/mcp\s+connected\s+\d+\s+0\s+2/,
    );
    const calls = page.getByRole('table', { name: /tool calls of the last 7 days/ });
    assert.equal(await calls.getByText('github/search').count(), 2);
    await page.screenshot({ path: `${artifacts}/capabilities-mcp.png`, fullPage: true });
    await calls.getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Request', level: 1 }).waitFor();
    await page.getByText('github').first().waitFor();
    await page.screenshot({ path: `${artifacts}/capabilities-mcp-call.png`, fullPage: true });
    assert.match(new URL(page.url()).searchParams.get('request') ?? '', /.+/);
    assert.deepEqual(problems, []);
  });
});
