// One suite for every cache store: what is put is got until it expires, purges by model and team
// take only theirs, past max_entries the entries nearest expiry are evicted first, and the quality
// gate's scores are noted on the entry of the request that stored it (or was served it) and deleted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { freshPostgres } from '../../test/helpers/database.ts';
import { redisUrl } from '../../test/helpers/redis.ts';
import { openDatabase } from '../store/index.ts';
import { RedisCacheStore } from './redis-store.ts';
import { SqlCacheStore } from './sql-store.ts';
import { SqliteCacheStore } from './sqlite-store.ts';
import type { CacheStore, StoreLimits } from './store.ts';

const redis = await redisUrl();
const postgres = await freshPostgres();
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
  await postgres.drop();
});

const stores: Array<{ name: string; skip?: string; make(limits: StoreLimits): Promise<CacheStore> }> = [
  {
    name: 'sqlite',
    async make(limits) {
      const database = await openDatabase('sqlite::memory:');
      cleanups.push(() => database.close());
      return new SqliteCacheStore(database.sqlite!, limits);
    },
  },
  {
    name: 'postgres',
    ...(postgres.skip ? { skip: postgres.skip } : {}),
    async make(limits) {
      const database = await openDatabase(postgres.url!);
      cleanups.push(() => database.close());
      await database.db.deleteFrom('cache_entries').execute();
      await database.db.deleteFrom('cache_hits').execute();
      return new SqlCacheStore(database.db, limits, () => {});
    },
  },
  {
    name: 'redis',
    ...(redis ? {} : { skip: 'Redis is not running; skipping' }),
    async make(limits) {
      const store = new RedisCacheStore(
        {
          url: redis!,
          prefix: `gh-store-test-${randomBytes(4).toString('hex')}:`,
          commandTimeoutMs: 2000,
          connectTimeoutMs: 1000,
        },
        limits,
      );
      await store.ready();
      cleanups.push(async () => {
        await store.purge({});
        await store.close();
      });
      return store;
    },
  },
];

const entry = (
  key: string,
  over: { model?: string; teamId?: string; expiresAt?: number; requestId?: string } = {},
) => ({
  key,
  scope: 'team:t',
  model: over.model ?? 'm',
  teamId: over.teamId ?? 't',
  value: JSON.stringify({ key }),
  expiresAt: over.expiresAt ?? Date.now() + 60_000,
  ...(over.requestId ? { requestId: over.requestId } : {}),
});

const storedValue = async (store: CacheStore, key: string) => (await store.get(key, Date.now()))?.value;

for (const { name, skip, make } of stores) {
  describe(`${name} cache store`, { skip: skip ?? false }, () => {
    test('get returns what put stored, until it expires; a replaced entry is the new one', async () => {
      const store = await make({ maxEntries: 100, maxBytes: 1e6 });
      await store.put(entry('a'));
      assert.equal(await storedValue(store, 'a'), JSON.stringify({ key: 'a' }));
      assert.equal(await store.get('b', Date.now()), undefined);
      await store.put({ ...entry('a'), value: '"new"' });
      assert.equal(await storedValue(store, 'a'), '"new"');
      await store.put(entry('soon', { expiresAt: Date.now() + 50 }));
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(await store.get('soon', Date.now()), undefined);
    });

    test('purges by model, by team, by both, and all', async () => {
      const store = await make({ maxEntries: 100, maxBytes: 1e6 });
      await store.put(entry('m1-t1', { model: 'm1', teamId: 't1' }));
      await store.put(entry('m1-t2', { model: 'm1', teamId: 't2' }));
      await store.put(entry('m2-t1', { model: 'm2', teamId: 't1' }));
      await store.put(entry('m2-t2', { model: 'm2', teamId: 't2' }));
      assert.equal(await store.purge({ model: 'm1', team: 't1' }), 1);
      assert.equal((await store.get('m1-t2', Date.now())) !== undefined, true);
      assert.equal(await store.purge({ team: 't2' }), 2);
      assert.equal((await store.get('m2-t1', Date.now())) !== undefined, true);
      assert.equal(await store.purge({ model: 'm2' }), 1);
      await store.put(entry('x'));
      assert.equal(await store.purge({}), 1);
      assert.equal(await store.get('x', Date.now()), undefined);
    });

    test('scores are noted on the entry its request stored, or was served, and reset by a new answer', async () => {
      const store = await make({ maxEntries: 100, maxBytes: 1e6 });
      const r = randomBytes(4).toString('hex');
      await store.put(entry(`k-${r}`, { requestId: `req-${r}` }));
      assert.equal((await store.get(`k-${r}`, Date.now()))?.scores, undefined);
      assert.deepEqual(await store.rate(`req-${r}`, 'thumbs', 1), { key: `k-${r}`, scores: { thumbs: 1 } });
      assert.deepEqual(await store.rate(`req-${r}`, 'judge', 0.5), {
        key: `k-${r}`,
        scores: { thumbs: 1, judge: 0.5 },
      });
      assert.deepEqual((await store.get(`k-${r}`, Date.now()))?.scores, { thumbs: 1, judge: 0.5 });
      // A request answered from the entry rates it too.
      await store.noteHit(`hit-${r}`, `req-${r}`, `k-${r}`, Date.now() + 60_000);
      assert.deepEqual(await store.rate(`hit-${r}`, 'thumbs', 0), {
        key: `k-${r}`,
        scores: { thumbs: 0, judge: 0.5 },
      });
      assert.equal(await store.rate(`nobody-${r}`, 'thumbs', 0), undefined);
      // Another request's answer under the same key starts unrated; the old request rates nothing.
      await store.put(entry(`k-${r}`, { requestId: `new-${r}` }));
      assert.equal((await store.get(`k-${r}`, Date.now()))?.scores, undefined);
      assert.equal(await store.rate(`req-${r}`, 'thumbs', 1), undefined);
      assert.equal(await store.rate(`hit-${r}`, 'thumbs', 1), undefined);
      assert.deepEqual((await store.rate(`new-${r}`, 'thumbs', 1))?.scores, { thumbs: 1 });
    });

    test('delete removes one entry by key', async () => {
      const store = await make({ maxEntries: 100, maxBytes: 1e6 });
      await store.put(entry('d1'));
      await store.put(entry('d2'));
      assert.equal(await store.delete('d1'), true);
      assert.equal(await store.delete('d1'), false);
      assert.equal(await store.get('d1', Date.now()), undefined);
      assert.notEqual(await store.get('d2', Date.now()), undefined);
    });

    test('past max_entries, the entries nearest expiry are evicted first', async () => {
      const store = await make({ maxEntries: 20, maxBytes: 1e9 });
      const now = Date.now();
      // Each entry expires a second after the one before it.
      for (let i = 0; i < 200; i++) await store.put(entry(`e${i}`, { expiresAt: now + 60_000 + i * 1000 }));
      if (store instanceof SqlCacheStore) await store.sweep();
      let kept = 0;
      for (let i = 0; i < 200; i++) if ((await store.get(`e${i}`, Date.now())) !== undefined) kept++;
      assert.ok(kept <= 20, `${kept} kept of 200 with max_entries 20`);
      assert.ok(kept >= 1);
      assert.notEqual(await store.get('e199', Date.now()), undefined, 'the last to expire stays');
      assert.equal(await store.get('e0', Date.now()), undefined, 'the first to expire went');
    });
  });
}

test('the SQLite store keeps max_bytes too', async () => {
  const store = await stores[0]!.make({ maxEntries: 1000, maxBytes: 4096 });
  const big = 'x'.repeat(1000);
  for (let i = 0; i < 20; i++)
    await store.put({ ...entry(`b${i}`, { expiresAt: Date.now() + 60_000 + i }), value: big });
  let kept = 0;
  for (let i = 0; i < 20; i++) if ((await store.get(`b${i}`, Date.now())) !== undefined) kept++;
  assert.ok(kept <= 4, `${kept} entries of 1000 bytes kept under 4096`);
  assert.notEqual(await store.get('b19', Date.now()), undefined);
});
