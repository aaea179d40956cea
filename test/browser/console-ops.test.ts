// The Alerts and Experiments pages in a real browser against a real gateway: a failing upstream
// fires an alert (listed with its rule's state and in the history), a test alert is sent from the
// page, and an experiment's variants show their traffic. Screenshots land in test-artifacts/console/.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { artifacts, browserMissing, launchBrowser } from '../helpers/browser.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';

const skip = browserMissing();
describe('the Alerts and Experiments pages', { skip }, () => {
  let gateway: Gateway;
  let upstream: Awaited<ReturnType<typeof startOpenAIUpstream>>;
  let browser: Browser;
  let page: Page;
  const received: Array<{ alert: { kind: string; status: string } }> = [];
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200).end();
    });
  });
  const admin = adminClient(() => gateway);
  const problems: string[] = [];

  const call = async (model: string, session: string) => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${testMasterKey}`,
        'content-type': 'application/json',
        'x-session': session,
      },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
    });
    await res.arrayBuffer();
    return res.status;
  };

  before(async () => {
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    upstream = await startOpenAIUpstream();
    gateway = await startTestGateway({
      providers: {
        ...mockOnlyConfig.providers,
        flaky: { type: 'openai-compatible', base_url: `${upstream.url}/v1`, api_key: 'sk-up' },
      },
      models: {
        ...mockOnlyConfig.models,
        smart: { circuit_breaker: false, targets: [{ provider: 'flaky', model: 'm1' }] },
      },
      experiments: {
        'fast-vs-smart': {
          model: 'chat',
          sticky_by: 'header:x-session',
          variants: {
            control: { model: 'mock-fast', weight: 80 },
            candidate: { model: 'mock-smart', weight: 20 },
          },
          shadow: { model: 'mock-smart', percent: 50 },
        },
      },
      alerts: {
        webhook_url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
        evaluate_every_seconds: 1,
        provider_error_rate: { threshold: 0.5, min_requests: 5 },
      },
    });
    const failure = { error: { message: 'boom', type: 'server_error', param: null, code: null } };
    for (let i = 0; i < 6; i++) upstream.faults.push({ kind: 'status', status: 500, body: failure });
    for (let i = 0; i < 6; i++) assert.ok((await call('smart', 's')) >= 500);
    for (let i = 0; i < 30; i++) assert.equal(await call('chat', `s${i}`), 200);
    assert.ok(await until(() => received.some((r) => r.alert.status === 'firing'), 10_000), 'no alert fired');
    // The history and the request log are written in the background: wait until both hold it all.
    for (let i = 0; i < 200; i++) {
      const history = await admin('GET', '/admin/alerts/history');
      const exp = await admin('GET', '/admin/experiments?since=1h');
      const variants = exp.body.data[0].variants;
      if (history.body.data.length > 0 && variants.reduce((n: number, v: any) => n + v.requests, 0) === 30)
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        problems.push(`console: ${msg.text()}`);
    });
    await page.goto(`${gateway.url}/ui`);
    await page.getByLabel('Master key').fill(testMasterKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop(0);
    await upstream?.close();
    hook.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });

  test('alerts: the firing rule, a test alert sent from the page, and the history filtered', async () => {
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts' }).waitFor();
    const rule = page
      .getByRole('table', { name: 'Rules and their state on this replica' })
      .getByRole('row', { name: /Provider error rate/ });
    await rule.getByText('firing', { exact: true }).waitFor();
    await rule.getByText(/flaky since/).waitFor();
    await page.getByRole('button', { name: 'Send a test alert' }).click();
    await page
      .getByRole('status')
      .getByText(/Test alert sent to 127\.0\.0\.1/)
      .waitFor();
    assert.ok(await until(() => received.some((r) => r.alert.kind === 'test'), 5_000));
    const rows = page.getByRole('table', { name: 'Alerts sent, newest first' }).locator('tbody tr');
    await page.getByRole('cell', { name: /test alert, sent by/ }).waitFor();
    assert.equal(await rows.count(), 2);
    await shot('alerts');
    await page.getByLabel('Status').selectOption('firing');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=firing/);
    await page.getByRole('cell', { name: /error rate is 100%/ }).waitFor();
    assert.equal(await rows.count(), 1);
    await page.getByLabel('Since').fill('1m');
    await page.getByLabel('Until').fill('2m');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page
      .getByRole('alert')
      .getByText(/until: must be after since/)
      .waitFor();
    await page.goto(`${gateway.url}/ui/alerts?kind=drift`);
    await page.getByText('No alerts match these filters.').waitFor();
  });

  test('experiments: variants side by side with a chart, and a link to the logs', async () => {
    await page.goto(`${gateway.url}/ui/experiments?range=24h`);
    await page.getByRole('heading', { name: /fast-vs-smart/ }).waitFor();
    const table = page.getByRole('table', { name: 'Variants of fast-vs-smart' });
    const body = await admin('GET', '/admin/experiments?since=24h');
    for (const v of body.body.data[0].variants)
      await table
        .getByRole('row', { name: new RegExp(`^${v.name} `) })
        .getByRole('cell', { name: String(v.requests), exact: true })
        .waitFor();
    await table.getByRole('row', { name: /^shadow / }).waitFor();
    await page.locator('figure.chart').first().waitFor();
    assert.equal(await page.locator('figure.chart').count(), 2);
    await shot('experiments');
    // A variant's name opens the logs of that variant's requests only.
    const variant = body.body.data[0].variants.find((v: { requests: number }) => v.requests > 0);
    await table.getByRole('link', { name: variant.name, exact: true }).click();
    await page.waitForURL(/\/ui\/logs\?/);
    assert.equal(new URL(page.url()).searchParams.get('variant'), variant.name);
    const expected = await admin(
      'GET',
      `/admin/logs?experiment=fast-vs-smart&variant=${variant.name}&since=24h`,
    );
    await page.locator('main tbody tr').first().waitFor();
    assert.equal(await page.locator('main tbody tr').count(), Math.min(50, expected.body.data.length));
    await page.goBack();
    await page.getByRole('link', { name: 'Logs of fast-vs-smart' }).click();
    await page.waitForURL(/\/ui\/logs\?/);
    assert.equal(new URL(page.url()).searchParams.get('experiment'), 'fast-vs-smart');
    await page.locator('tbody tr').first().waitFor();
    assert.deepEqual(problems, []);
  });
});
