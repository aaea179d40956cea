// Managing access in the console, in a real browser against a real gateway: a key's model rule and
// a team's tool rules are edited on their pages, read back from the admin API and then enforced on
// real model and MCP calls; a user's budget shows its spend bar; bad input is refused beside the
// form. Screenshots of the Teams, Keys and Users pages land in test-artifacts/console/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { artifacts, browserMissing, launchBrowser } from '../helpers/browser.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { TestIssuer } from '../helpers/oidc-issuer.ts';
import { startTeamAdminSso } from '../helpers/sso.ts';
import { startHttpMcpServer, type TestMcpServer } from '../mcp-servers/http.ts';

describe('model rules, tool rules and budgets edited in the console', { skip: browserMissing() }, () => {
  let gateway: Gateway;
  let github: TestMcpServer;
  let browser: Browser;
  let page: Page;
  let secret = '';
  const admin = adminClient(() => gateway);
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

  before(async () => {
    github = await startHttpMcpServer('github');
    gateway = await startTestGateway({
      ...mockOnlyConfig,
      mcp_servers: { github: { transport: 'http', url: github.url } },
    });
    assert.equal((await admin('POST', '/admin/teams', { name: 'agents' })).status, 201);
    assert.equal((await admin('POST', '/admin/teams', { name: 'search', models: ['mock-*'] })).status, 201);
    const user = await admin('POST', '/admin/users', {
      name: 'ana',
      email: 'ana@example.com',
      teams: ['agents'],
    });
    assert.equal(user.status, 201);
    const key = await admin('POST', '/admin/keys', { name: 'coder', team: 'agents', user: 'ana' });
    secret = key.body.key;
    // Spend for the user's bar: a few calls through the pipeline.
    const client = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    for (const model of ['mock-smart', 'mock-fast'])
      await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        problems.push(`console: ${msg.text()}`);
    });
    await page.goto(`${gateway.url}/ui/keys`);
    await page.getByLabel('Master key').fill(testMasterKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Keys' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop(1_000);
    await github?.close();
  });

  test("a key's model rule is edited on the Keys page, then enforced", async () => {
    await page.getByRole('button', { name: 'Rules of coder' }).click();
    assert.match(page.url(), /[?&]key=/, 'the open key is in the URL');
    const panel = page.getByRole('region', { name: 'Rules of the key coder' });
    await panel.getByText('Models: all').click();
    const form = panel.getByRole('form', { name: 'Model rules of coder' });
    await form.getByLabel('All models').uncheck();
    // Nothing named and not "all": refused in the form, before any call.
    await form.getByRole('button', { name: 'Save models' }).click();
    await form
      .getByRole('alert')
      .getByText(/at least one model/)
      .waitFor();
    await form.getByLabel(/Allowed models/).fill('mock-fast\nmock-embed');
    await form.getByRole('button', { name: 'Save models' }).click();
    await form.getByRole('status').getByText('Saved.').waitFor();
    const key = await admin('GET', '/admin/keys/coder');
    assert.deepEqual(key.body.models, ['mock-fast', 'mock-embed']);
    await page.getByRole('row', { name: /coder/ }).getByText('mock-fast, mock-embed').waitFor();
    const client = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] });
    await assert.rejects(
      client.chat.completions.create({ model: 'mock-smart', messages: [{ role: 'user', content: 'hi' }] }),
      (err: { status?: number }) => err.status === 403,
    );
    // The key's budget editor and spend bar sit in the same panel.
    const budget = panel.getByRole('form', { name: 'Budget and limits of coder' });
    await budget.getByLabel('Budget (USD)').fill('5');
    await budget.getByRole('button', { name: 'Save' }).click();
    await panel.getByRole('meter', { name: 'coder: spend against budget' }).waitFor();
    await page.getByRole('row', { name: /coder/ }).getByRole('meter').waitFor();
    await shot('manage-key-rules');
  });

  test("a team's tool rules are edited on the Teams page, then enforced on MCP calls", async () => {
    await page.goto(`${gateway.url}/ui/teams`);
    const card = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'agents', exact: true }) });
    await card.getByText('Tools: all allowed').click();
    const form = card.getByRole('form', { name: 'Tool rules of agents' });
    await form.getByText('No tool rules').waitFor();
    await form.getByRole('button', { name: 'Add tool rule' }).click();
    await form.getByLabel('Tool pattern 1').fill('github__*');
    await form.getByLabel('Calls per minute 1').fill('30');
    await form.getByRole('button', { name: 'Add tool rule' }).click();
    await form.getByLabel('Tool pattern 2').fill('github__delete_*');
    await form.getByLabel('Effect 2').selectOption('deny');
    // Bad input is answered in the form, in words, and nothing is saved.
    await form.getByLabel('Narrowed arguments (JSON, optional)').fill('{"github__search": ');
    await form.getByRole('button', { name: 'Save tool rules' }).click();
    await form
      .getByRole('alert')
      .getByText(/Narrowed arguments: not JSON/)
      .waitFor();
    assert.equal((await admin('GET', '/admin/teams/agents/rules')).body.tools, null);
    // An argument narrowing the API refuses (an empty enum): its message is shown.
    await form
      .getByLabel('Narrowed arguments (JSON, optional)')
      .fill('{"github__search": {"mode": {"enum": []}}}');
    await form.getByRole('button', { name: 'Save tool rules' }).click();
    await form
      .getByRole('alert')
      .getByText(/tool_args/)
      .waitFor();
    await form
      .getByLabel('Narrowed arguments (JSON, optional)')
      .fill('{"github__search": {"read_only": {"const": true}}}');
    await form.getByRole('button', { name: 'Save tool rules' }).click();
    await form.getByRole('status').getByText('Saved.').waitFor();
    const rules = await admin('GET', '/admin/teams/agents/rules');
    assert.deepEqual(rules.body.tools, ['github__*', '!github__delete_*']);
    assert.deepEqual(rules.body.tool_limits, { 'github__*': 30 });
    assert.deepEqual(rules.body.tool_args, { github__search: { read_only: { const: true } } });
    await card
      .getByText('Tools: only github__* · never github__delete_* · github__* 30/min · 1 narrowed')
      .waitFor();
    await shot('manage-team-rules');

    const transport = new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${secret}` } },
    });
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(transport);
    try {
      const listed = await client.listTools();
      const names = listed.tools.map((t) => t.name);
      assert.ok(names.includes('github__search'), names.join());
      assert.ok(!names.includes('github__delete_repo'), 'a denied tool is not listed');
      const found = (await client.callTool({ name: 'github__search', arguments: { q: 'gateway' } })) as {
        content: Array<{ text: string }>;
      };
      assert.equal(found.content[0]!.text, 'github found gateway (read_only=true)');
      const refused = (await client
        .callTool({ name: 'github__delete_repo', arguments: { repo: 'acme/x' } })
        .catch((err: Error) => ({ isError: true, content: [{ text: err.message }] }))) as {
        isError?: boolean;
        content: Array<{ text: string }>;
      };
      assert.equal(refused.isError, true);
      assert.match(refused.content[0]!.text, /may not call the tool "github__delete_repo"/);
      assert.ok(
        !github.log.calls.some((c) => c.tool === 'delete_repo'),
        'the refused call never reached the server',
      );
    } finally {
      await client.close();
    }

    // Removing every rule saves "no restriction" again.
    await page.reload();
    await card.getByText(/^Tools: only/).click();
    await form.getByRole('button', { name: 'Remove rule 2' }).click();
    await form.getByRole('button', { name: 'Remove rule 1' }).click();
    await form.getByLabel('Narrowed arguments (JSON, optional)').fill('');
    await form.getByRole('button', { name: 'Save tool rules' }).click();
    await form.getByRole('status').getByText('Saved.').waitFor();
    const cleared = await admin('GET', '/admin/teams/agents/rules');
    assert.deepEqual(
      [cleared.body.tools, cleared.body.tool_limits, cleared.body.tool_args],
      [null, null, null],
    );
  });

  test("a team's model rule is shown as its list, and 'all' when cleared from the page", async () => {
    const card = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'search', exact: true }) });
    await card.getByText('Models: mock-*').click();
    const form = card.getByRole('form', { name: 'Model rules of search' });
    await form.getByLabel('All models').check();
    await form.getByRole('button', { name: 'Save models' }).click();
    await form.getByRole('status').getByText('Saved.').waitFor();
    assert.equal((await admin('GET', '/admin/teams/search')).body.models, null);
    await card.getByText('Models: all').waitFor();
  });

  test("a user's budget edit shows the user's spend bar", async () => {
    await page.goto(`${gateway.url}/ui/users`);
    const form = page.getByRole('form', { name: 'Budget and limits of ana' });
    await form.getByText(/no budget/).waitFor();
    await form.getByLabel('Budget (USD)').fill('0.05');
    await form.getByLabel('Per').selectOption('month');
    await form.getByRole('button', { name: 'Save' }).click();
    const bar = page.getByRole('meter', { name: 'ana: spend against budget' });
    await bar.waitFor();
    assert.equal(await bar.getAttribute('aria-valuemax'), '0.05');
    const rules = await admin('GET', '/admin/users/ana/rules');
    assert.deepEqual(rules.body.budget, { usd: 0.05, period: 'month' });
    // The budget counts from now: a call with ana's key fills the bar on the next view.
    assert.equal(await bar.getAttribute('aria-valuenow'), '0');
    const client = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'more' }],
      max_tokens: 20,
    });
    await page.reload();
    await bar.waitFor();
    const spent = Number(await bar.getAttribute('aria-valuenow'));
    const report = await admin('GET', '/admin/users/ana/spend');
    assert.ok(spent > 0, 'the bar shows the new spend');
    assert.equal(spent, report.body.spent_usd);
    // Bad input from the API (a negative budget) is shown beside the form, not as a broken page.
    await form.getByLabel('Budget (USD)').fill('-3');
    await form.evaluate((f: HTMLFormElement) => {
      f.noValidate = true; // the browser's own check would stop it first; the API's answer is the point
      f.requestSubmit();
    });
    await form.getByRole('alert').waitFor();
    await page
      .getByRole('listitem')
      .filter({ hasText: 'ana@example.com' })
      .getByText('Models: all')
      .waitFor();
    await shot('manage-users');
    await page.goto(`${gateway.url}/ui/teams`);
    await page.getByRole('heading', { name: 'agents', exact: true }).waitFor();
    await shot('manage-teams');
    await page.goto(`${gateway.url}/ui/keys`);
    await page.getByRole('row', { name: /coder/ }).waitFor();
    await shot('manage-keys');
    assert.deepEqual(problems, []);
  });
});

describe("a team_admin edits its own team's keys and tool rules, and sees the API's refusal", {
  skip: browserMissing(),
}, () => {
  const issuer = new TestIssuer();
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;
  const admin = adminClient(() => gateway);

  before(async () => {
    gateway = await startTeamAdminSso(issuer);
    assert.equal((await admin('POST', '/admin/teams', { name: 'alpha' })).status, 201);
    assert.equal((await admin('POST', '/admin/keys', { name: 'alpha-bot', team: 'alpha' })).status, 201);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${gateway.url}/ui/teams`);
    await page.getByRole('link', { name: 'Corp SSO' }).click();
    await page.locator('input[name="username"]').fill('ta');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Teams' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await issuer.stop();
  });

  test("changing the team's model rule is refused in words; its tool rules and its key's models save", async () => {
    const card = page
      .getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: 'alpha', exact: true }) });
    await card.waitFor();
    assert.equal(
      await page.getByRole('button', { name: 'Create team' }).count(),
      0,
      'only admins create teams',
    );
    await card.getByText('Models: all').click();
    const models = card.getByRole('form', { name: 'Model rules of alpha' });
    await models.getByLabel('All models').uncheck();
    await models.getByLabel(/Allowed models/).fill('mock-fast');
    await models.getByRole('button', { name: 'Save models' }).click();
    const refusal = models.getByRole('alert');
    await refusal.waitFor();
    assert.match((await refusal.textContent())!, /admin|role|permission|not allowed|forbidden/i);
    assert.equal((await admin('GET', '/admin/teams/alpha')).body.models, null, 'nothing changed');
    await page.screenshot({ path: `${artifacts}/manage-team-admin-refused.png`, fullPage: true });

    await card.getByText('Tools: all allowed').click();
    const tools = card.getByRole('form', { name: 'Tool rules of alpha' });
    await tools.getByRole('button', { name: 'Add tool rule' }).click();
    await tools.getByLabel('Tool pattern 1').fill('github__search');
    await tools.getByRole('button', { name: 'Save tool rules' }).click();
    await tools.getByRole('status').getByText('Saved.').waitFor();
    assert.deepEqual((await admin('GET', '/admin/teams/alpha/rules')).body.tools, ['github__search']);

    await page.goto(`${gateway.url}/ui/keys`);
    await page.getByRole('button', { name: 'Rules of alpha-bot' }).click();
    const panel = page.getByRole('region', { name: 'Rules of the key alpha-bot' });
    await panel.getByText('Models: all').click();
    const keyModels = panel.getByRole('form', { name: 'Model rules of alpha-bot' });
    await keyModels.getByLabel('All models').uncheck();
    await keyModels.getByLabel(/Allowed models/).fill('mock-fast');
    await keyModels.getByRole('button', { name: 'Save models' }).click();
    await keyModels.getByRole('status').getByText('Saved.').waitFor();
    assert.deepEqual((await admin('GET', '/admin/keys/alpha-bot')).body.models, ['mock-fast']);
  });
});
