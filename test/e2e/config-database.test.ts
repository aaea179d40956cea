// The database as the configuration's source of truth: three gateways sharing one fresh PostgreSQL
// database. A PUT on one, and a rollback on another, are applied by every replica within five
// seconds, each reporting the version it runs in /readyz; an invalid PUT is a 400 with config
// check's message and path, and changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { freshPostgres } from '../helpers/database.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const postgres = await freshPostgres();

const configWith = (model: string) => ({
  providers: { mock: { type: 'mock' } },
  models: { [model]: { targets: [{ provider: 'mock', model: 'mock-fast' }] } },
  reload: { poll_s: 0.5 },
});

describe('three replicas with the database as the source of truth', { skip: postgres.skip ?? false }, () => {
  const replicas: Gateway[] = [];
  const admins = [0, 1, 2].map((i) => adminClient(() => replicas[i]!));

  before(async () => {
    // Started one after the other so that only the first applies the migrations and seeds version 1.
    for (let i = 0; i < 3; i++)
      replicas.push(
        await startTestGateway(configWith('first'), { databaseUrl: postgres.url!, configSource: 'database' }),
      );
  });

  after(async () => {
    for (const replica of replicas) await replica.stop(500);
    await postgres.drop();
  });

  const readyVersions = () =>
    Promise.all(
      replicas.map((r) => fetch(`${r.url}/readyz`).then(async (res) => (await res.json()).config.version)),
    );
  const modelsOf = (r: Gateway) =>
    fetch(`${r.url}/v1/models`, { headers: { authorization: `Bearer ${testMasterKey}` } })
      .then((res) => res.json())
      .then((body) => body.data.map((m: { id: string }) => m.id));

  /** Milliseconds until every replica reports `hash` in /readyz (fails after 5 s). */
  async function allRun(hash: string): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < 5_000) {
      if ((await readyVersions()).every((v) => v === hash)) return Date.now() - start;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`not every replica runs ${hash} after 5 s: ${await readyVersions()}`);
  }

  test('every replica starts on the seeded version', async () => {
    const versions = await readyVersions();
    assert.equal(new Set(versions).size, 1);
    const list = await admins[0]!('GET', '/admin/config/versions');
    assert.equal(list.body.data.length, 1, 'one version, seeded by the first replica');
    assert.equal(list.body.data[0].source, 'startup');
    assert.equal(list.body.data[0].text_stored, true);
  });

  test('a PUT on one replica is applied by all three within 5 s, audited', async () => {
    const put = await admins[0]!('PUT', '/admin/config', { text: stringify(configWith('second')) });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.outcome, 'applied');
    const ms = await allRun(put.body.version);
    console.log(`# PUT applied by all three replicas in ${ms} ms`);
    for (const replica of replicas) assert.deepEqual(await modelsOf(replica), ['second']);
    const metrics = await fetch(`${replicas[2]!.url}/metrics`).then((r) => r.text());
    assert.match(
      metrics,
      new RegExp(`gatehouse_config_version_info\\{hash="${put.body.version}",state="serving"\\} 1`),
    );
    const audit = await admins[1]!('GET', '/admin/audit');
    assert.ok(audit.body.data.some((e: { action: string }) => e.action === 'config.update'));
    const [latest] = (await admins[2]!('GET', '/admin/config/versions')).body.data;
    assert.equal(latest.source, 'api');
    assert.equal(latest.actor, 'master');
    assert.match(latest.diff, /^- {3}first:$/m);
    assert.match(latest.diff, /^\+ {3}second:$/m);
  });

  test('an invalid PUT is a 400 with the path and config check message, and nothing changes', async () => {
    const before = await readyVersions();
    const bad = await admins[1]!('PUT', '/admin/config', {
      config: { ...configWith('third'), models: { third: { targets: [{ provider: 'opnai', model: 'x' }] } } },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'models.third.targets[0].provider');
    assert.match(bad.body.error.message, /models\.third\.targets\[0\]\.provider: unknown provider "opnai"/);
    const neither = await admins[1]!('PUT', '/admin/config', {});
    assert.equal(neither.status, 400);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assert.deepEqual(await readyVersions(), before);
  });

  test('a rollback on another replica is applied by all three within 5 s', async () => {
    const rollback = await admins[2]!('POST', '/admin/config/versions/1/rollback');
    assert.equal(rollback.status, 200, JSON.stringify(rollback.body));
    const ms = await allRun(rollback.body.version);
    console.log(`# rollback applied by all three replicas in ${ms} ms`);
    for (const replica of replicas) assert.deepEqual(await modelsOf(replica), ['first']);
    const [latest] = (await admins[0]!('GET', '/admin/config/versions')).body.data;
    assert.equal(latest.source, 'rollback');
    assert.equal(latest.hash, (await admins[0]!('GET', '/admin/config/versions/1')).body.hash);
    assert.equal((await admins[0]!('POST', '/admin/config/versions/999/rollback')).status, 404);
  });

  test('a replica started later runs the database version, not its own file', async () => {
    const late = await startTestGateway(configWith('from-the-file'), {
      databaseUrl: postgres.url!,
      configSource: 'database',
    });
    try {
      assert.deepEqual(await modelsOf(late), ['first']);
    } finally {
      await late.stop(500);
    }
  });
});

describe('a canary that does worse, with the database as the source', {
  skip: postgres.skip ?? false,
}, () => {
  let database: Awaited<ReturnType<typeof freshPostgres>>;
  const replicas: Gateway[] = [];
  const canaryConfig = (target: Record<string, unknown>) => ({
    providers: {
      mock: { type: 'mock' },
      // Nothing listens on port 9 (discard): every call there fails as unreachable.
      gone: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1' },
    },
    models: { chat: { targets: [target] } },
    reload: { poll_s: 0.5, canary: { enabled: true, percent: 50, window_s: 3600, min_requests: 10 } },
  });

  before(async () => {
    database = await freshPostgres();
    for (let i = 0; i < 2; i++)
      replicas.push(
        await startTestGateway(canaryConfig({ provider: 'mock', model: 'mock-fast' }), {
          databaseUrl: database.url!,
          configSource: 'database',
        }),
      );
  });

  after(async () => {
    for (const replica of replicas) await replica.stop(500);
    await database.drop();
  });

  test('the replica that finds it worse rolls the whole fleet back', async () => {
    const [first, second] = replicas as [Gateway, Gateway];
    const serving = first.config.current.version;
    const put = await adminClient(() => first)('PUT', '/admin/config', {
      text: stringify(canaryConfig({ provider: 'gone', model: 'nothing' })),
    });
    assert.equal(put.body.outcome, 'canary', JSON.stringify(put.body));
    const onTrial = async (r: Gateway) =>
      (await fetch(`${r.url}/readyz`).then((res) => res.json())).config.canary;
    for (let tries = 0; tries < 50 && (await onTrial(second)) !== put.body.version; tries++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await onTrial(second), put.body.version, 'the other replica put it on trial too');
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${first.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.arrayBuffer();
    }
    const verdict = await first.config.decideTrial(Date.now() + 3_600_000);
    assert.equal(verdict?.outcome, 'roll_back');
    const start = Date.now();
    while (Date.now() - start < 5_000 && (await onTrial(second)) !== null)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await onTrial(second), null, 'the other replica ended its trial within 5 s');
    assert.equal(second.config.current.version, serving);
    const versions = (await adminClient(() => second)('GET', '/admin/config/versions')).body.data;
    assert.equal(versions[0].source, 'rollback');
    assert.equal(versions[0].actor, 'canary');
    assert.equal(versions[0].hash, serving);
    assert.equal(versions[1].hash, put.body.version);
    assert.equal(versions[1].status, 'rolled_back');
    assert.match(versions[1].note, /^canary: worse than/);
  });
});
