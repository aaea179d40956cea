// Feedback, scores and eval reports are read in pages: every item once, newest first, across pages
// whose boundary falls among scores given in the same millisecond; a cursor not returned is a 400.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pageScores, recordScore } from '../../src/quality/scores.ts';
import type { Gateway } from '../../src/server/index.ts';
import { openDatabase } from '../../src/store/index.ts';
import { adminClient, readAllPages } from '../helpers/admin.ts';
import { bothStores } from '../helpers/database.ts';
import { runGatehouseInProcess } from '../helpers/cli.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
const admin = adminClient(() => gateway);
const now = Date.now();

before(async () => {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'gatehouse-paging-')), 'g.db')}`;
  const store = await openDatabase(url);
  // 25 feedback and 12 evaluator scores; runs of five share a millisecond.
  await recordScore(
    store.db,
    Array.from({ length: 37 }, (_, i) => ({
      requestId: `req-${i}`,
      source: i % 8 < 5 ? ('feedback' as const) : ('evaluator' as const),
      name: i % 8 < 5 ? 'thumbs' : 'polite',
      value: i % 2,
      createdAt: now - 60_000 + Math.floor(i / 5),
    })),
  );
  await store.close();
  gateway = await startTestGateway(mockOnlyConfig, { databaseUrl: url });
  for (let i = 0; i < 7; i++) {
    const stored = await admin('POST', '/admin/evals', {
      suite: i % 2 ? 'support' : 'search',
      cases: 10,
      passed: i,
      pass_rate: i / 10,
      verdict: 'pass',
    });
    assert.equal(stored.status, 201);
  }
});
after(() => gateway.stop());

const ids = (items: any[]) => items.map((s) => s.id);

test('scores and feedback page through every item once, newest first', async () => {
  const whole = await admin('GET', '/admin/scores?limit=1000');
  assert.equal(whole.body.data.length, 37);
  assert.equal(whole.body.next_cursor, null);
  const { items, pages } = await readAllPages(admin, '/admin/scores', 4);
  assert.equal(pages, 10);
  assert.deepEqual(ids(items), ids(whole.body.data));
  const times = items.map((s) => Date.parse(s.created_at));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
  );

  const feedback = await readAllPages(admin, '/admin/feedback', 5);
  assert.equal(feedback.items.length, 25);
  assert.ok(feedback.items.every((s) => s.source === 'feedback'));
  assert.equal(new Set(ids(feedback.items)).size, 25);
  const polite = await readAllPages(admin, '/admin/scores?source=evaluator&name=polite', 3);
  assert.equal(polite.items.length, 12);
});

test('eval reports page too, and a suite filter narrows them', async () => {
  const all = await readAllPages(admin, '/admin/evals', 2);
  assert.equal(all.items.length, 7);
  assert.equal(all.pages, 4);
  assert.equal(new Set(ids(all.items)).size, 7);
  const support = await readAllPages(admin, '/admin/evals?suite=support', 2);
  assert.deepEqual(
    support.items.map((r) => r.passed),
    [5, 3, 1],
  );
});

test('a cursor the API did not return is a 400 naming cursor', async () => {
  for (const path of ['/admin/scores', '/admin/feedback', '/admin/evals']) {
    const bad = await admin('GET', `${path}?cursor=not-a-cursor`);
    assert.equal(bad.status, 400, path);
    assert.equal(bad.body.error.param, 'cursor');
  }
  const tooMany = await admin('GET', '/admin/scores?limit=5000');
  assert.equal(tooMany.status, 400);
});

test('the CLI follows the pages with --all, and --limit alone prints one page', async () => {
  const cli = (...args: string[]) =>
    runGatehouseInProcess([...args, '--json', '--url', gateway.url, '--master-key', testMasterKey]);
  const every = await cli('scores', 'list', '--limit', '4', '--all');
  assert.equal(every.code, 0, every.stderr);
  assert.equal(JSON.parse(every.stdout).data.length, 37);
  const one = await cli('feedback', 'list', '--limit', '4');
  const page = JSON.parse(one.stdout);
  assert.equal(page.data.length, 4);
  assert.ok(page.next_cursor);
});

const stores = await bothStores();
after(() => Promise.all(stores.map((s) => s.drop())));

for (const store of stores)
  test(`scores page alike on ${store.name}, ties of a millisecond included`, {
    skip: store.skip,
  }, async () => {
    const { db, close } = await openDatabase(store.url!);
    try {
      await recordScore(
        db,
        Array.from({ length: 13 }, (_, i) => ({
          requestId: `r${i}`,
          source: 'feedback' as const,
          name: 'thumbs',
          value: 1,
          createdAt: 5_000 + Math.floor(i / 4),
        })),
      );
      const whole = await pageScores(db, { limit: 100 });
      const seen: string[] = [];
      let after: { at: number; id: string } | undefined;
      do {
        const page = await pageScores(db, { limit: 5, ...(after ? { after } : {}) });
        seen.push(...page.data.map((s) => s.id));
        after = page.next;
      } while (after);
      assert.equal(seen.length, 13);
      assert.deepEqual(seen, ids(whole.data));
    } finally {
      await close();
    }
  });
