// The web console in a real browser (Debian's chromium via playwright-core) against a real gateway:
// sign-in, keys, budgets, a chart's drill-down to the logs, a config rollback; a screenshot of
// every page lands in test-artifacts/console/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { artifacts, browserMissing, launchBrowser } from '../helpers/browser.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
const admin = adminClient(() => gateway);

describe('the console is served at /ui', () => {
  before(async () => {
    gateway = await startTestGateway(mockOnlyConfig);
  });
  after(() => gateway.stop());

  test('the page shell and its files: content types, a strict CSP, revalidation, no way out of the folder', async () => {
    for (const path of ['/ui', '/ui/', '/ui/logs', '/ui/keys?team=a']) {
      const res = await fetch(gateway.url + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(res.headers.get('content-security-policy')!, /script-src 'self'; style-src 'self'/);
      assert.match(await res.text(), /<script type="module" src="\/ui\/app.js">/);
    }
    const js = await fetch(`${gateway.url}/ui/app.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'no-cache');
    const again = await fetch(`${gateway.url}/ui/app.js`, { headers: { 'if-none-match': js.headers.get('etag')! } });
    assert.equal(again.status, 304);
    const hooks = await fetch(`${gateway.url}/ui/vendor/hooks.js`);
    assert.equal(hooks.status, 200);
    assert.match(await hooks.text(), /from"\.\/preact\.js"/);
    assert.equal(hooks.headers.get('cache-control'), 'public, max-age=86400');
    assert.equal((await fetch(`${gateway.url}/ui/vendor/uplot.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
    for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/nope.js', '/ui/vendor/nope.js'])
      assert.equal((await fetch(gateway.url + path)).status, 404, path);
    const post = await fetch(`${gateway.url}/ui`, { method: 'POST' });
    assert.equal(post.status, 405);
  });
});

const skip = browserMissing();
describe('the console in a browser', { skip }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    gateway = await startTestGateway(mockOnlyConfig, { configSource: 'database' });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console: ${msg.text()}`);
    });
    // Traffic for the charts and logs, through the real pipeline.
    assert.equal((await admin('POST', '/admin/teams', { name: 'search' })).status, 201);
    assert.equal((await admin('POST', '/admin/teams', { name: 'billing' })).status, 201);
    const key = await admin('POST', '/admin/keys', { name: 'search-bot', team: 'search' });
    const client = new OpenAI({ apiKey: key.body.key, baseURL: `${gateway.url}/v1` });
    for (const model of ['mock-fast', 'mock-smart', 'mock-fast'])
      await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });
    // The event writer batches: wait until the log and the rollups hold the three requests.
    for (let i = 0; i < 200; i++) {
      const usage = await admin('GET', '/admin/usage?since=1h&bucket=none');
      if (usage.body.totals?.requests >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

  test('a wrong master key is refused with a message; the right one signs in', async () => {
    await page.goto(`${gateway.url}/ui`);
    await page.getByLabel('Master key').fill('not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('That is not the master key.').waitFor();
    await shot('signin');
    await page.getByLabel('Master key').fill(testMasterKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  test('the overview charts the traffic, and a chart drills down to the logs behind it', async () => {
    await page.goto(`${gateway.url}/ui?range=24h&by=team`);
    await page.locator('figure.chart').first().waitFor();
    assert.equal(await page.locator('figure.chart').count(), 6);
    await page.locator('figcaption', { hasText: 'Latency p95' }).waitFor();
    await page.locator('figcaption', { hasText: 'Time to first token p95' }).waitFor();
    await page.getByText('Requests', { exact: true }).first().waitFor();
    await shot('overview-by-team');
    await page.locator('.plot').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/logs\?/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('since'), '24h');
    // One team sent traffic: its chart drills down to that team's requests of the range.
    const search = await admin('GET', '/admin/teams/search');
    assert.equal(url.searchParams.get('team'), search.body.id, url.href);
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 3);
    await shot('logs');
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Attempts' }).waitFor();
    await shot('request');
  });

  test("clicking one team's point opens the logs of that team and that hour only; budgets of keys and users show", async () => {
    const billingKey = await admin('POST', '/admin/keys', { name: 'billing-bot', team: 'billing' });
    const client = new OpenAI({ apiKey: billingKey.body.key, baseURL: `${gateway.url}/v1` });
    // Streamed, so that the time-to-first-token chart has a point too.
    const stream = await client.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    for await (const _ of stream);
    let report: any;
    for (let i = 0; i < 200; i++) {
      report = (await admin('GET', '/admin/usage?since=24h&bucket=hour&by=team&limit=1000')).body;
      if (report.totals?.requests >= 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const billing = report.data.find((r: { team_name: string }) => r.team_name === 'billing');
    assert.equal(billing.requests, 1);
    // Budgets beyond teams: a key's and a user's, with their spend in the period.
    assert.equal((await admin('PUT', '/admin/keys/search-bot/rules', { budget: { usd: 5, period: 'month' } })).status, 200);
    assert.equal((await admin('POST', '/admin/users', { name: 'ada', teams: ['search'] })).status, 201);
    assert.equal((await admin('PUT', '/admin/users/ada/rules', { budget: { usd: 2, period: 'day' } })).status, 200);

    await page.goto(`${gateway.url}/ui?range=24h&by=team`);
    const over = page.locator('figure.chart', { hasText: 'Requests' }).first().locator('.u-over');
    await over.waitFor();
    await page.getByRole('meter', { name: 'key search-bot: spend against budget' }).waitFor();
    await page.getByRole('meter', { name: 'user ada: spend against budget' }).waitFor();
    await shot('overview');
    // The x scale spans the report's periods; in billing's hour it has 1 request and search 3 (or
    // none): a click low in that hour's column is nearest billing's point.
    const stepMs = 3_600_000;
    const n = Math.round((Date.parse(report.until) - Date.parse(report.since)) / stepMs);
    const index = Math.round((Date.parse(billing.period) - Date.parse(report.since)) / stepMs);
    const box = (await over.boundingBox())!;
    const position = { x: Math.min(box.width - 1, (box.width * index) / (n - 1)), y: box.height - 4 };
    await over.hover({ position });
    await over.click({ position });
    await page.waitForURL(/\/ui\/logs\?/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('team'), billing.team_id, url.href);
    assert.equal(url.searchParams.get('since'), new Date(Date.parse(billing.period)).toISOString());
    assert.equal(url.searchParams.get('until'), new Date(Date.parse(billing.period) + stepMs).toISOString());
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    // The list names the team and the key.
    await rows.first().getByRole('cell', { name: 'billing-bot', exact: true }).waitFor();
    await rows.first().getByRole('cell', { name: 'billing', exact: true }).waitFor();
    await shot('logs-drilled');
    // The request view names the team and the key.
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Attempts' }).waitFor();
    await page.locator('dd', { hasText: 'billing-bot' }).waitFor();
    await page.locator('dd', { hasText: /^billing team_/ }).waitFor();
    // The errors chart's series links open that group's failed requests only.
    await page.goto(`${gateway.url}/ui?range=24h&by=team`);
    const errors = page.locator('figure.chart', { hasText: 'Errors' });
    await errors.getByRole('link', { name: 'billing' }).click();
    await page.waitForURL(/status=error/);
    assert.equal(new URL(page.url()).searchParams.get('team'), billing.team_id);
    await page.getByText('No requests match these filters.').waitFor();
  });

  test('a key is created (its secret shown once, with a copy button) and revoked', async () => {
    await page.goto(`${gateway.url}/ui/keys`);
    const form = page.getByRole('form', { name: 'New key' });
    await form.getByLabel('Key name').fill('ui-key');
    await form.getByLabel('Team').fill('billing');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('new-key').textContent();
    assert.match(secret!, /^gh-/);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    await shot('keys');
    const client = new OpenAI({ apiKey: secret!, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] });
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Revoke ui-key' }).click();
    await page.getByRole('row', { name: /ui-key/ }).getByText(/revoked/).waitFor();
    await assert.rejects(
      client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
      (err: { status?: number }) => err.status === 401,
    );
  });

  test("a team's budget is edited on the Teams page and enforced by the API's rules", async () => {
    await page.goto(`${gateway.url}/ui/teams`);
    const form = page.getByRole('form', { name: 'Budget and limits of billing' });
    await form.getByLabel('Budget (USD)').fill('25');
    await form.getByLabel('Per').selectOption('week');
    await form.getByLabel('Requests / min').fill('120');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Saved.').waitFor();
    const rules = await admin('GET', '/admin/teams/billing/rules');
    assert.deepEqual(rules.body.budget, { usd: 25, period: 'week' });
    assert.deepEqual(rules.body.limits, { rpm: 120 });
    await page.getByRole('meter', { name: 'billing: spend against budget' }).waitFor();
    await shot('teams');
  });

  test('a config version is rolled back from the page', async () => {
    const before = await admin('GET', '/admin/config');
    const changed = { ...mockOnlyConfig, models: { ...mockOnlyConfig.models, 'mock-extra': { targets: [{ provider: 'mock', model: 'mock-fast' }] } } };
    const put = await admin('PUT', '/admin/config', { config: changed });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await page.goto(`${gateway.url}/ui/config`);
    const first = before.body.version.id;
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: `Roll back to version ${first}` }).click();
    await page.getByText(/rolled_back|applied/).first().waitFor();
    const now = await admin('GET', '/admin/config');
    assert.equal(now.body.version.hash, before.body.version.hash);
    await shot('config');
  });

  test('the other pages draw without errors', async () => {
    for (const [path, title] of [
      ['/ui/users', 'Users'],
      ['/ui/secrets', 'Provider secrets'],
      ['/ui/guardrails', 'Guardrails'],
      ['/ui/audit', 'Audit log'],
    ]) {
      await page.goto(gateway.url + path);
      await page.getByRole('heading', { name: title }).waitFor();
      await shot(path.slice(4));
    }
    await page.getByText(/Chain verified/).waitFor();
    const dark = await context.browser()!.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'dark' });
    await dark.addCookies(await context.cookies());
    const darkPage = await dark.newPage();
    await darkPage.goto(`${gateway.url}/ui?range=24h`);
    await darkPage.locator('figure.chart').first().waitFor();
    await darkPage.screenshot({ path: `${artifacts}/overview-dark.png`, fullPage: true });
    await dark.close();
    assert.deepEqual(problems, []);
  });
});
