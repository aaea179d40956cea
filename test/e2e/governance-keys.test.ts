// Virtual keys end to end, on SQLite and on PostgreSQL with the same assertions: created through the
// admin API, used on both surfaces, restricted to models, revoked, expired, rotated with overlap,
// never stored in plaintext, and every change in a verifiable audit chain.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Gateway } from '../../src/server/index.ts';
import { bothStores, type TestDatabase } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const stores = await bothStores();

for (const store of stores) {
  describe(`virtual keys on ${store.name}`, { skip: store.skip ?? false }, () => {
    let gateway: Gateway;
    let url: string;
    const sqliteDir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));

    before(async () => {
      url = store.name === 'sqlite' ? `sqlite:${join(sqliteDir, 'gatehouse.db')}` : store.url!;
      gateway = await startTestGateway(mockOnlyConfig, { databaseUrl: url });
    });
    after(async () => {
      await gateway?.stop(0);
      await store.drop();
    });

    const admin = async (method: string, path: string, body?: unknown, key = testMasterKey) => {
      const res = await fetch(gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const chat = async (key: string, model = 'mock-fast') => {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const secrets: string[] = [];

    test('an administrator creates a team, a user and a key; the key works on both surfaces', async () => {
      assert.equal((await admin('POST', '/admin/teams', { name: 'search', models: ['mock-*'] })).status, 201);
      const user = await admin('POST', '/admin/users', {
        name: 'ada',
        email: 'ada@example.com',
        teams: ['search'],
      });
      assert.equal(user.status, 201, JSON.stringify(user.body));
      const created = await admin('POST', '/admin/keys', {
        name: 'ci-bot',
        team: 'search',
        user: 'ada',
        models: ['mock-fast'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.key, /^gh-/);
      assert.match(created.body.id, /^key_/);
      secrets.push(created.body.key);
      assert.equal((await chat(created.body.key)).status, 200);
      const anthropic = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': created.body.key, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'mock-fast',
          max_tokens: 50,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      assert.equal(anthropic.status, 200);
    });

    test('a model outside the key, team or user rules gets 403 naming the model and the rule', async () => {
      const key = secrets[0]!;
      const refused = await chat(key, 'mock-smart');
      assert.equal(refused.status, 403);
      assert.match(refused.body.error.message, /key "ci-bot" may not use the model "mock-smart"/);
      const team = await admin('POST', '/admin/keys', { name: 'wide', team: 'search' });
      secrets.push(team.body.key);
      assert.equal((await chat(team.body.key, 'mock-smart')).status, 200, 'the team allows mock-*');
      const outside = await chat(team.body.key, 'mock/other');
      assert.equal(outside.status, 403);
      assert.match(outside.body.error.message, /team "search"/);
    });

    test('keys are listed without secrets, and the admin API refuses a virtual key', async () => {
      const list = await admin('GET', '/admin/keys?team=search');
      assert.equal(list.status, 200);
      assert.ok(list.body.data.length >= 2);
      for (const key of list.body.data) {
        assert.equal(key.key, undefined);
        assert.equal(key.hash, undefined);
        assert.ok(key.prefix.startsWith('gh-'));
      }
      assert.equal((await admin('GET', '/admin/keys', undefined, secrets[0])).status, 403);
    });

    test('a tampered, revoked or expired key gets 401', async () => {
      const key = secrets[0]!;
      const tampered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
      assert.equal((await chat(tampered)).status, 401);
      const expired = await admin('POST', '/admin/keys', {
        name: 'old',
        team: 'search',
        expires_at: '2020-01-01T00:00:00Z',
      });
      secrets.push(expired.body.key);
      const refusal = await chat(expired.body.key);
      assert.equal(refusal.status, 401);
      assert.match(refusal.body.error.message, /expired/);
      const doomed = await admin('POST', '/admin/keys', { name: 'doomed', team: 'search' });
      secrets.push(doomed.body.key);
      assert.equal((await chat(doomed.body.key)).status, 200);
      assert.equal((await admin('POST', `/admin/keys/${doomed.body.id}/revoke`)).status, 200);
      const revoked = await chat(doomed.body.key);
      assert.equal(revoked.status, 401);
      assert.match(revoked.body.error.message, /revoked/);
    });

    test('a rotated key works old and new during the overlap, then only new', async () => {
      const created = await admin('POST', '/admin/keys', { name: 'rotating', team: 'search' });
      const old = created.body.key;
      assert.equal((await chat(old)).status, 200);
      const rotated = await admin('POST', `/admin/keys/${created.body.id}/rotate`, { overlap_seconds: 1 });
      assert.equal(rotated.status, 200);
      assert.equal(rotated.body.id, created.body.id, 'same key id: spend and limits carry over');
      const fresh = rotated.body.key;
      secrets.push(old, fresh);
      assert.notEqual(fresh, old);
      assert.equal((await chat(old)).status, 200);
      assert.equal((await chat(fresh)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const late = await chat(old);
      assert.equal(late.status, 401);
      assert.match(late.body.error.message, /rotated/);
      assert.equal((await chat(fresh)).status, 200);
    });

    test('a key, team or user can be updated, and the change applies at once', async () => {
      const created = await admin('POST', '/admin/keys', {
        name: 'mutable',
        team: 'search',
        models: ['mock-fast'],
      });
      secrets.push(created.body.key);
      assert.equal((await chat(created.body.key, 'mock-smart')).status, 403);
      const patched = await admin('PATCH', `/admin/keys/${created.body.id}`, {
        name: 'renamed',
        models: null,
        metadata: { env: 'prod' },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.name, 'renamed');
      assert.equal(patched.body.models, null);
      assert.equal((await chat(created.body.key, 'mock-smart')).status, 200);
      const expired = await admin('PATCH', `/admin/keys/${created.body.id}`, {
        expires_at: '2020-01-01T00:00:00Z',
      });
      assert.equal(expired.status, 200);
      assert.equal((await chat(created.body.key)).status, 401);
      assert.equal(
        (await admin('PATCH', '/admin/teams/search', { metadata: { cost_center: 'r&d' } })).body.metadata
          .cost_center,
        'r&d',
      );
      assert.equal((await admin('PATCH', '/admin/users/ada', { email: null })).body.email, null);
      assert.equal((await admin('PATCH', `/admin/keys/${created.body.id}`, { team: 'other' })).status, 400);
      assert.equal((await admin('PATCH', '/admin/keys/key_missing', { name: 'x' })).status, 404);
    });

    test('the admin API is described at /admin/openapi.json', async () => {
      const doc = await admin('GET', '/admin/openapi.json');
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, '3.1.0');
      for (const path of [
        '/admin/keys',
        '/admin/keys/{key}',
        '/admin/keys/{key}/rotate',
        '/admin/teams',
        '/admin/secrets/{name}',
        '/admin/audit/verify',
      ]) {
        assert.ok(doc.body.paths[path], path);
      }
      assert.ok(
        doc.body.paths['/admin/keys'].post.requestBody.content['application/json'].schema.properties.budget,
      );
    });

    test('bad admin input is refused naming the field, and nothing is written', async () => {
      const before = (await admin('GET', '/admin/keys')).body.data.length;
      const cases: Array<[unknown, string]> = [
        [{ name: 'x', team: 'search', colour: 'blue' }, 'colour'],
        [{ name: 'x', team: 'nowhere' }, 'team'],
        [{ name: 'x', team: 'search', expires_at: 'next tuesday' }, 'expires_at'],
        [{ team: 'search' }, 'name'],
        [{ name: 'x', team: 'search', models: 'mock-*' }, 'models'],
        [{ name: 'x', team: 'search', user: 'nobody' }, 'user'],
        [{ name: 42, team: 'search' }, 'name'],
      ];
      for (const [body, field] of cases) {
        const res = await admin('POST', '/admin/keys', body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.ok(
          String(res.body.error.param ?? res.body.error.message).includes(field),
          `${field}: ${JSON.stringify(res.body)}`,
        );
      }
      assert.equal((await admin('POST', '/admin/teams', { name: 'search' })).status, 409);
      assert.equal((await admin('POST', '/admin/users', { name: 'bob', teams: ['ghost'] })).status, 400);
      assert.equal((await admin('GET', '/admin/keys')).body.data.length, before);
      assert.equal(
        (await admin('GET', '/admin/users/bob')).status,
        404,
        'the refused user was not half-created',
      );
    });

    test('no plaintext key is stored in the database', async () => {
      if (store.name === 'sqlite') {
        const files = readdirSync(sqliteDir).map((f) => readFileSync(join(sqliteDir, f)).toString('latin1'));
        for (const secret of secrets)
          assert.ok(!files.some((text) => text.includes(secret)), 'key found in the SQLite files');
        return;
      }
      const client = new pg.Client({ connectionString: store.url });
      await client.connect();
      const tables = ['keys', 'audit_log', 'teams', 'users'];
      const dump = (await Promise.all(tables.map((t) => client.query(`SELECT * FROM ${t}`))))
        .map((r) => JSON.stringify(r.rows))
        .join('\n');
      await client.end();
      for (const secret of secrets) assert.ok(!dump.includes(secret), 'key found in PostgreSQL');
    });

    test('every change is in the audit chain, and altering or deleting an entry is detected by number', async () => {
      const audit = await admin('GET', '/admin/audit?limit=1000');
      const actions = audit.body.data.map((e: { action: string }) => e.action);
      for (const action of [
        'team.create',
        'user.create',
        'key.create',
        'key.revoke',
        'key.rotate',
        'key.update',
      ])
        assert.ok(actions.includes(action), action);
      assert.deepEqual(await (await adminVerify()).body, { ok: true, entries: actions.length });
      await rawSql(store, url, "UPDATE audit_log SET actor = 'intruder' WHERE seq = 2");
      const altered = await adminVerify();
      assert.equal(altered.body.ok, false);
      assert.equal(altered.body.seq, 2);
      await rawSql(store, url, "UPDATE audit_log SET actor = 'master' WHERE seq = 2");
      assert.equal((await adminVerify()).body.ok, true);
      await rawSql(store, url, `DELETE FROM audit_log WHERE seq = ${actions.length}`);
      const truncated = await adminVerify();
      assert.equal(truncated.body.ok, false);
      assert.equal(truncated.body.seq, actions.length);
    });

    const adminVerify = () => admin('GET', '/admin/audit/verify');
  });
}

async function rawSql(store: TestDatabase, url: string, statement: string): Promise<void> {
  if (store.name === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(statement);
    await client.end();
    return;
  }
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(url.slice('sqlite:'.length));
  db.exec(statement);
  db.close();
}
