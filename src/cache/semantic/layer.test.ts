// The semantic layer over both stores: entries written through one instance are found by another
// (a second replica) within a second, purges (of a team, or of one evicted key) reach the other
// replica, and the veto and scopes hold.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { bothStores } from '../../../test/helpers/database.ts';
import { until } from '../../../test/helpers/until.ts';
import type { ChatResult } from '../../core/ir/index.ts';
import type { ChatExchange, InternalCalls } from '../../pipeline/index.ts';
import { type Database, openDatabase } from '../../store/index.ts';
import { SemanticCache } from './layer.ts';
import { embedOffline } from './offline/embedder.ts';
import { SemanticStore } from './store.ts';
import { VectorIndex } from './vector-index.ts';

const noCalls: InternalCalls = {
  chat: async () => assert.fail('no chat calls expected'),
  embeddings: async () => assert.fail('the builtin embedder makes no calls'),
};

function exchange(text: string, team = 'a', model = 'smart'): ChatExchange {
  return {
    operation: 'chat',
    ctx: {
      principal: { kind: 'key', teamId: team, modelRules: [], limits: [], budgets: [] },
      signal: new AbortController().signal,
    },
    request: {
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text }] }],
      stream: false,
      includeUsage: false,
    },
  } as unknown as ChatExchange;
}

const result = (text: string) =>
  ({
    response: {
      id: 'r',
      model: 'm',
      content: [{ type: 'text', text }],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    },
  }) as ChatResult;

const later = () => Date.now() + 60_000;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-semantic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const store of await bothStores()) {
  describe(`semantic layer on ${store.name}`, { skip: store.skip ?? false }, () => {
    const url = store.name === 'sqlite' ? `sqlite:${join(dir, 'shared.db')}` : store.url!;
    const opened: Database[] = [];
    const layers: SemanticCache[] = [];
    async function replica(pollMs: number, calibrationRate = 0): Promise<SemanticCache> {
      const database = await openDatabase(url);
      opened.push(database);
      const layer = await new SemanticCache(
        { embeddingModel: 'builtin', threshold: 0.8, pollMs, calibrationRate },
        { database, calls: noCalls },
      ).start();
      layers.push(layer);
      return layer;
    }
    after(async () => {
      for (const layer of layers) await layer.close();
      for (const database of opened) await database.close();
      await store.drop();
    });

    test('a paraphrase in the same scope is found; a negation, a number or another scope is not', async () => {
      const layer = await replica(0);
      await layer.remember(exchange('How do I enable 2FA on my account?'), 'team:a', 'key-2fa', later());
      await layer.remember(exchange('Is 10 mg of melatonin safe?'), 'team:a', 'key-10mg', later());
      const hit = await layer.find(exchange('how can I enable 2FA for my account'), 'team:a');
      assert.equal(hit?.key, 'key-2fa');
      assert.ok(hit!.similarity >= 0.8 && hit!.similarity <= 1);
      assert.equal(await layer.find(exchange('How do I disable 2FA on my account?'), 'team:a'), undefined);
      assert.equal(
        await layer.find(exchange("I don't want to enable 2FA on my account"), 'team:a'),
        undefined,
      );
      assert.equal(await layer.find(exchange('Is 100 mg of melatonin safe?'), 'team:a'), undefined);
      assert.equal((await layer.find(exchange('is 10mg of melatonin safe'), 'team:a'))?.key, 'key-10mg');
      assert.equal(await layer.find(exchange('how can I enable 2FA for my account'), 'team:b'), undefined);
      assert.equal(
        await layer.find(exchange('how can I enable 2FA for my account', 'a', 'cheap'), 'team:a'),
        undefined,
      );
    });

    test('an entry written by one replica is found by another within a second', async () => {
      const writer = await replica(0);
      const reader = await replica(200);
      await writer.remember(
        exchange('What is the refund policy for annual plans?'),
        'team:a',
        'key-refund',
        later(),
      );
      const started = Date.now();
      let match: Awaited<ReturnType<SemanticCache['find']>>;
      const seen = await until(
        () => {
          void reader.find(exchange('what is the refund policy for annual plans'), 'team:a').then((m) => {
            match = m;
          });
          return match !== undefined;
        },
        2000,
        50,
      );
      assert.ok(seen, 'the reader found the entry');
      assert.equal(match!.key, 'key-refund');
      assert.ok(Date.now() - started < 1500, `found after ${Date.now() - started} ms`);
    });

    test('forgetting one key (a quality-gate eviction) reaches the other replica; the rest stay', async () => {
      const one = await replica(100);
      const two = await replica(100);
      await one.remember(exchange('When does the Porto office open?'), 'team:a', 'key-porto', later());
      await one.remember(exchange('When does the Lyon office open?'), 'team:a', 'key-lyon', later());
      await two.sync();
      assert.equal((await two.find(exchange('when does the porto office open'), 'team:a'))?.key, 'key-porto');
      await one.forget({ key: 'key-porto' });
      assert.equal(await one.find(exchange('when does the porto office open'), 'team:a'), undefined);
      await two.sync();
      assert.equal(await two.find(exchange('when does the porto office open'), 'team:a'), undefined);
      assert.equal((await two.find(exchange('when does the lyon office open'), 'team:a'))?.key, 'key-lyon');
    });

    test('a purge by team reaches the other replica; other teams keep theirs', async () => {
      const one = await replica(100);
      const two = await replica(100);
      await one.remember(exchange('Where is the Lisbon office?', 'x'), 'team:x', 'key-x', later());
      await one.remember(exchange('Where is the Lisbon office?', 'y'), 'team:y', 'key-y', later());
      await two.sync();
      assert.equal((await two.find(exchange('where is the lisbon office', 'x'), 'team:x'))?.key, 'key-x');
      await one.forget({ team: 'x' });
      assert.equal(await one.find(exchange('where is the lisbon office', 'x'), 'team:x'), undefined);
      await two.sync();
      assert.equal(await two.find(exchange('where is the lisbon office', 'x'), 'team:x'), undefined);
      assert.equal((await two.find(exchange('where is the lisbon office', 'y'), 'team:y'))?.key, 'key-y');
      // A replica started after the purge loads only what is left.
      const three = await replica(0);
      assert.equal(await three.find(exchange('where is the lisbon office', 'x'), 'team:x'), undefined);
      assert.equal((await three.find(exchange('where is the lisbon office', 'y'), 'team:y'))?.key, 'key-y');
    });

    test('expired entries are not found, and a sweep deletes them', async () => {
      const layer = await replica(0);
      await layer.remember(
        exchange('What time does the canteen close?'),
        'team:a',
        'key-old',
        Date.now() + 50,
      );
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(await layer.find(exchange('what time does the canteen close'), 'team:a'), undefined);
      const before = layer.index.size;
      await layer.sweep();
      assert.equal(layer.index.size, before - 1);
      const left = await sql<{
        n: number;
      }>`SELECT count(*) AS n FROM semantic_cache_entries WHERE cache_key = 'key-old'`.execute(opened[0]!.db);
      assert.equal(Number(left.rows[0]?.n), 0, 'the row is gone from the table too');
    });

    test('a gateway loads the index in the background and finds what was stored once loaded', async () => {
      const writer = await replica(0);
      await writer.remember(exchange('How do I order a new laptop?'), 'team:bg', 'key-bg', later());
      const database = await openDatabase(url);
      opened.push(database);
      const lines: string[] = [];
      const background = await new SemanticCache(
        { embeddingModel: 'builtin', threshold: 0.8, pollMs: 0 },
        { database, calls: noCalls, log: (line) => lines.push(line) },
      ).start();
      layers.push(background);
      assert.ok(await until(() => background.index.size > 0, 2000));
      assert.equal(
        (await background.find(exchange('how can I order a new laptop'), 'team:bg'))?.key,
        'key-bg',
      );
      assert.deepEqual(lines, []);
    });

    test('past max_entries the oldest vectors go, here and in the other replica', async () => {
      const database = await openDatabase(url);
      opened.push(database);
      const small = await new SemanticCache(
        { embeddingModel: 'builtin', threshold: 0.8, pollMs: 0, maxEntries: 5 },
        { database, calls: noCalls },
      ).start();
      layers.push(small);
      const other = await replica(0);
      const topics = ['parking', 'canteen', 'printer', 'laptop', 'badge', 'holiday', 'payroll'];
      const before = small.index.size;
      for (const topic of topics)
        await small.remember(exchange(`Who handles ${topic} requests?`), 'team:ev', `key-${topic}`, later());
      // Everything stored before in the shared table counts too: the newest 4 (90 % of 5) are kept.
      assert.ok(before + topics.length > 5);
      assert.equal(small.index.size, 4);
      assert.equal(await small.find(exchange('who handles parking requests'), 'team:ev'), undefined);
      assert.equal(
        (await small.find(exchange('who handles payroll requests'), 'team:ev'))?.key,
        'key-payroll',
      );
      await other.sync();
      assert.equal(await other.find(exchange('who handles parking requests'), 'team:ev'), undefined);
      assert.equal(
        (await other.find(exchange('who handles payroll requests'), 'team:ev'))?.key,
        'key-payroll',
      );
    });

    test('a loading replica takes the stored signatures instead of computing them again', async () => {
      const database = await openDatabase(url);
      opened.push(database);
      const writer = new SemanticStore(database, new VectorIndex());
      await writer.start(0);
      const vector = embedOffline('Which floor is the finance team on?');
      await writer.add(
        {
          scope: 'team:s',
          partition: 'p',
          model: 'smart',
          team: 's',
          key: 'key-sig',
          text: 'x',
          expiresAt: later(),
        },
        vector,
      );
      class CountingIndex extends VectorIndex {
        computed = 0;
        override signature(v: Float32Array): Uint32Array {
          this.computed++;
          return super.signature(v);
        }
      }
      const index = new CountingIndex();
      await new SemanticStore(database, index).start(0);
      assert.ok(index.size >= 1);
      assert.equal(index.computed, 0);
      assert.deepEqual(index.search('team:s', 'p', vector, 0.99, 1, Date.now())[0]?.entry.key, 'key-sig');
    });

    test('calibration counts a sampled would-be hit whose fresh answer differs as a false hit', async () => {
      const layer = await replica(0, 1);
      assert.equal(layer.sampleForCalibration(), true);
      const ex = exchange('Classify: the app crashes on start');
      layer.calibrate(ex, 'team:a', result('bug'), result('Bug.'), 0.91);
      layer.calibrate(ex, 'team:a', result('bug'), result('feature request'), 0.85);
      await until(() => (layer.calibrationReport()[0]?.samples ?? 0) === 2, 1000);
      const [row] = layer.calibrationReport();
      assert.deepEqual([row?.model, row?.team, row?.samples, row?.falseHits], ['smart', 'a', 2, 1]);
      const off = await replica(0, 0);
      assert.equal(off.sampleForCalibration(), false);
    });
  });
}
