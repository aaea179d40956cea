// The key cache when the store goes away: a key seen before is served from its stale entry for
// the configured time, a key never seen gets 503 (not 500), and nothing waits past the timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../core/errors/index.ts';
import { openDatabase } from '../store/index.ts';
import { Authenticator } from './authenticate.ts';
import { createKey } from './keys.ts';
import { createTeam } from './teams.ts';

async function withKeys() {
  const database = await openDatabase('sqlite::memory:');
  await createTeam(database.db, 'test', { name: 'team' });
  const seen = await createKey(database.db, 'test', { name: 'seen', team: 'team' });
  const unseen = await createKey(database.db, 'test', { name: 'unseen', team: 'team' });
  return { database, seen: seen.key, unseen: unseen.key };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

test('a store that fails: the stale entry is served for staleMs, an unknown key gets 503', async () => {
  const { database, seen, unseen } = await withKeys();
  const auth = new Authenticator(database.db, 'master', { ttlMs: 1, staleMs: 60_000, timeoutMs: 500 });
  const principal = await auth.authenticate(bearer(seen));
  await database.close();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal((await auth.authenticate(bearer(seen))).keyId, principal.keyId);
  await assert.rejects(auth.authenticate(bearer(unseen)), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_STORE_UNAVAILABLE');
    assert.equal(err.status, 503);
    assert.equal(err.retryAfter, 1);
    return true;
  });
});

test('with no stale window, the store failing refuses at once with 503', async () => {
  const { database, seen } = await withKeys();
  const auth = new Authenticator(database.db, 'master', { ttlMs: 1, staleMs: 0, timeoutMs: 500 });
  await auth.authenticate(bearer(seen));
  await database.close();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await assert.rejects(auth.authenticate(bearer(seen)), { code: 'GH_STORE_UNAVAILABLE' });
});

test('a store that does not answer fails the lookup within the timeout', async () => {
  const { database, seen } = await withKeys();
  // Every query waits until the test ends: a black-holed connection, without the network.
  let release = () => {};
  const stalled = new Promise<void>((resolve) => {
    release = resolve;
  });
  const db = database.db.withPlugin({
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      await stalled;
      return args.result;
    },
  });
  const auth = new Authenticator(db, 'master', { staleMs: 60_000, timeoutMs: 200 });
  await assert.rejects(auth.authenticate(bearer(seen)), { code: 'GH_STORE_UNAVAILABLE' });
  release();
  await database.close();
});
