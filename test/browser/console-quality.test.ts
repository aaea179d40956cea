// The console's quality pages in a real browser: feedback and evaluator scores of answers served by
// the gateway, rolled up and listed (each linked to its request in the logs); a drift (a synthetic
// shift of input lengths, as in test/e2e/drift.test.ts) found by "Check now" and drawn as baseline
// against recent; stored eval runs over time.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import type { Gateway } from '../../src/server/index.ts';
import { openDatabase } from '../../src/store/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { artifacts, browserMissing, launchBrowser } from '../helpers/browser.ts';
import { sampleEvent } from '../helpers/events.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { seeded } from '../helpers/seeded.ts';
import { until } from '../helpers/until.ts';

const hour = 3_600_000;

/** Waits until an asynchronous check holds (the page redraws after a fetch). */
async function eventually(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never: ${what}`);
}

/** Request-log rows of the route support-bot: input lengths log-normal around `median`. */
function rows(seed: number, n: number, from: number, span: number, median: number) {
  const random = seeded(seed);
  return Array.from({ length: n }, (_, i) => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return sampleEvent(`drift-${seed}-${i}`, {
      received_at: Math.floor(from + random() * span),
      model: 'support-bot',
      provider: 'mock',
      provider_model: 'mock-fast',
      input_tokens: Math.round(median * Math.exp(0.4 * z)),
      output_tokens: 100 + Math.floor(random() * 50),
      duration_ms: 300 + Math.floor(random() * 200),
    });
  });
}

describe('the console’s quality pages', { skip: browserMissing() }, () => {
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;
  const admin = adminClient(() => gateway);
  const problems: string[] = [];
  const requests: string[] = [];

  before(async () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'gatehouse-console-quality-')), 'g.db')}`;
    const store = await openDatabase(url);
    const now = Date.now();
    const events = [
      ...rows(1, 600, now - 8 * 24 * hour, 7 * 24 * hour - hour, 150),
      ...rows(2, 200, now - hour + 60_000, hour - 180_000, 320),
    ];
    for (let i = 0; i < events.length; i += 200)
      await store.db
        .insertInto('request_events')
        .values(events.slice(i, i + 200))
        .execute();
    await store.close();
    gateway = await startTestGateway(
      {
        providers: { mock: { type: 'mock' } },
        models: {
          'support-bot': {
            targets: [{ provider: 'mock', model: 'mock-fast' }],
            evaluators: ['mentions-mock', 'long-enough'],
          },
        },
        evaluators: {
          'mentions-mock': { type: 'regex', pattern: 'Mock answer' },
          'long-enough': { type: 'length', min_chars: 400 },
        },
        drift: { interval_s: 3600, window: '1h', baseline: '7d', min_samples: 100 },
      },
      { databaseUrl: url },
    );
    const team = await admin('POST', '/admin/teams', { name: 'support' });
    assert.equal(team.status, 201);
    // The synthetic traffic is the support team's, so that its group shows (by name) beside the route's.
    const writer = await openDatabase(url);
    await writer.db
      .updateTable('request_events')
      .set({ team_id: team.body.id })
      .where('id', 'like', 'drift-%')
      .execute();
    await writer.close();
    const key = (await admin('POST', '/admin/keys', { name: 'support-app', team: 'support' })).body.key;
    const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    for (const question of ['reset my password', 'update my card', 'cancel my plan', 'change my email']) {
      const { response } = await client.chat.completions
        .create({ model: 'support-bot', messages: [{ role: 'user', content: question }] })
        .withResponse();
      requests.push(response.headers.get('x-request-id')!);
    }
    for (const [i, id] of requests.entries()) {
      const res = await fetch(`${gateway.url}/v1/feedback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          request_id: id,
          name: 'thumbs',
          value: i !== 1,
          ...(i === 1 ? { comment: 'did not answer the question' } : {}),
        }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    await until(() => gateway.quality.stats.queued >= requests.length * 2, 5000);
    await gateway.quality.drained();
    for (const [i, passed] of [7, 8, 8, 9, 6].entries()) {
      const stored = await admin('POST', '/admin/evals', {
        suite: i === 2 ? 'billing' : 'support',
        cases: 10,
        passed,
        pass_rate: passed / 10,
        cost_usd: 0.0123,
        verdict: passed < 7 ? 'regression' : 'pass',
      });
      assert.equal(stored.status, 201);
      // Runs a millisecond apart at least, so that their order is theirs (not their ids').
      await new Promise((r) => setTimeout(r, 2));
    }
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(`${gateway.url}/ui/quality`);
    await page.getByLabel('Master key').fill(testMasterKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Feedback and scores', level: 1 }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop(1_000);
  });

  test('feedback and evaluator scores: rolled up, over time, listed with links to their requests', async () => {
    const menu = page.getByRole('navigation', { name: 'Console' });
    for (const name of ['Feedback and scores', 'Drift', 'Evals'])
      await menu.getByRole('link', { name }).waitFor();
    const rollup = page.getByRole('table', { name: 'Scores per group and name' });
    await rollup.getByRole('cell', { name: 'thumbs' }).waitFor();
    // thumbs: 3 of 4 up; the regex evaluator passes every mock answer, the length one none.
    const row = (name: string) =>
      rollup.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
    assert.match(await row('thumbs').innerText(), /support\s+support-bot\s+thumbs\s+4\s+0\.750\s+0\s+1/);
    assert.match(await row('mentions-mock').innerText(), /\bmentions-mock\s+4\s+1\s+1\s+1/);
    assert.match(await row('long-enough').innerText(), /\blong-enough\s+4\s+0\s+0\s+0/);
    await page.getByText('Mean score per hour').waitFor();
    const recent = page.getByRole('table', { name: 'Feedback and evaluator scores, newest first' });
    await recent.getByText('did not answer the question').waitFor();
    assert.equal(await recent.getByRole('row').count(), 1 + 12);
    await page.screenshot({ path: `${artifacts}/quality.png`, fullPage: true });

    // Filters are in the query string: feedback only.
    await page.getByLabel('Source').selectOption('feedback');
    await page.waitForURL(/source=feedback/);
    await eventually(async () => (await recent.getByRole('row').count()) === 1 + 4, 'feedback only');
    await recent.getByRole('link', { name: `Request ${requests[1]} in the logs` }).click();
    await page.waitForURL(/\/ui\/logs\?request=/);
    await page.getByText(requests[1]!).first().waitFor();
  });

  test('drift: "Check now" finds the shift and draws baseline against recent, with its history', async () => {
    await page.goto(`${gateway.url}/ui/drift`);
    await page.getByText('No check has run yet').waitFor();
    await page.getByRole('button', { name: 'Check now' }).click();
    const group = page.getByRole('region', { name: /route support-bot/ });
    await group.getByText(/drifts on .*input_tokens/).waitFor();
    const drawing = group.getByRole('img', { name: /^input_tokens: KS D [\d.]+ against > 0\.1, p < 0\.001/ });
    await drawing.waitFor();
    assert.ok((await drawing.locator('rect').count()) >= 12 * 2, 'paired bars per bin');
    const table = group.getByRole('table', { name: 'Every metric of route support-bot' });
    assert.match(await table.getByRole('row').filter({ hasText: 'input_tokens' }).innerText(), /drifts/);
    assert.match(await table.getByRole('row').filter({ hasText: 'latency_ms' }).innerText(), /stable/);
    // The team's group (its traffic shifted alike) reads by the team's name, not its id.
    await page.getByRole('region', { name: /^team support: drifts on / }).waitFor();
    const history = page.getByRole('table', { name: 'Metrics that moved, newest first' });
    await history
      .getByText(/input_tokens: median \d+ → \d+/)
      .first()
      .waitFor();
    await page.screenshot({ path: `${artifacts}/drift.png`, fullPage: true });
    // The first screen, for docs/console.md.
    await page.screenshot({ path: `${artifacts}/drift-view.png` });
    // A group picked in the history narrows the page to it (in the query string).
    await history.getByRole('link', { name: 'support-bot' }).first().click();
    await page.waitForURL(/value=support-bot/);
    assert.equal(await page.getByRole('region', { name: /^team / }).count(), 0);
    await page.getByRole('region', { name: /route support-bot/ }).waitFor();
  });

  test('evals: a suite’s pass rate over time and its runs', async () => {
    await page.goto(`${gateway.url}/ui/evals`);
    await page.getByText('Pass rate of support, run by run').waitFor();
    await page
      .getByRole('img', { name: 'Pass rate of support over its last 4 runs: 70%, 80%, 90%, 60%' })
      .waitFor();
    const runs = page.getByRole('table', { name: 'Eval runs, newest first' });
    assert.equal(await runs.getByRole('row').count(), 1 + 5);
    await page.getByLabel('Suite').selectOption('billing');
    await page.waitForURL(/suite=billing/);
    await page.getByText('Pass rate of billing, run by run').waitFor();
    await eventually(async () => (await runs.getByRole('row').count()) === 1 + 1, 'billing runs only');
    await page.screenshot({ path: `${artifacts}/evals.png`, fullPage: true });
    assert.deepEqual(problems, []);
  });
});
