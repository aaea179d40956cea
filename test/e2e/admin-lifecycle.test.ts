// Deleting, renaming and regrouping through the admin API, on SQLite and PostgreSQL with the same
// assertions: keys are deleted softly (revoked, kept for history), a team or user with keys is
// refused unless cascaded, names are unique in their scope, memberships change by PATCH, spend is
// reported with or without a budget, and every deletion is audited.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { bothStores } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';

const stores = await bothStores();

for (const store of stores) {
  describe(`admin lifecycle on ${store.name}`, { skip: store.skip ?? false }, () => {
    let gateway: Gateway;
    const admin = adminClient(() => gateway);
    const chat = (key: string) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hello' }] }),
      }).then(async (res) => ({ status: res.status, body: await res.json() }));
    const actions = async () =>
      (await admin('GET', '/admin/audit?limit=1000')).body.data.map(
        (e: { action: string; target_id: string }) => `${e.action} ${e.target_id}`,
      );

    before(async () => {
      gateway = await startTestGateway(mockOnlyConfig, store.url ? { databaseUrl: store.url } : {});
    });
    after(async () => {
      await gateway?.stop(0);
      await store.drop();
    });

    test('deleting a key revokes it at once and keeps it readable, out of lists, its name free', async () => {
      await admin('POST', '/admin/teams', { name: 'ops' });
      const key = (await admin('POST', '/admin/keys', { name: 'bot', team: 'ops' })).body;
      assert.equal((await chat(key.key)).status, 200);
      const deleted = await admin('DELETE', `/admin/keys/${key.id}`);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.ok(deleted.body.deleted_at && deleted.body.revoked_at);
      const refused = await chat(key.key);
      assert.equal(refused.status, 401);
      assert.match(refused.body.error.message, /revoked/);
      const kept = await admin('GET', `/admin/keys/${key.id}`);
      assert.equal(kept.status, 200);
      assert.equal(kept.body.deleted_at, deleted.body.deleted_at);
      const listed = (await admin('GET', '/admin/keys?team=ops')).body.data.map((k: { id: string }) => k.id);
      assert.ok(!listed.includes(key.id), 'a deleted key leaves lists');
      const all = (await admin('GET', '/admin/keys?team=ops&include_deleted=true')).body.data;
      assert.ok(all.some((k: { id: string }) => k.id === key.id));
      const again = await admin('DELETE', `/admin/keys/${key.id}`);
      assert.deepEqual(again.body, deleted.body, 'deleting again changes nothing');
      const reused = await admin('POST', '/admin/keys', { name: 'bot', team: 'ops' });
      assert.equal(reused.status, 201, 'the name is free again in its team');
      const log = await actions();
      assert.equal(log.filter((a: string) => a === `key.delete ${key.id}`).length, 1, 'one audit entry');
      assert.equal(
        (await admin('POST', `/admin/keys/${key.id}/rotate`)).status,
        409,
        'a deleted key is not rotated',
      );
      const changed = await admin('PATCH', `/admin/keys/${key.id}`, { name: 'bot' });
      assert.equal(changed.status, 409, 'a deleted key does not change');
      assert.equal(changed.body.error.code, 'conflict');
    });

    test('key names are unique within a team, team and user names everywhere (409 conflict)', async () => {
      await admin('POST', '/admin/teams', { name: 'dev' });
      assert.equal((await admin('POST', '/admin/keys', { name: 'shared', team: 'ops' })).status, 201);
      assert.equal(
        (await admin('POST', '/admin/keys', { name: 'shared', team: 'dev' })).status,
        201,
        'another team',
      );
      const twice = await admin('POST', '/admin/keys', { name: 'shared', team: 'ops' });
      assert.equal(twice.status, 409);
      assert.equal(twice.body.error.code, 'conflict');
      assert.equal(twice.body.error.param, 'name');
      // The name now means two keys: refused as ambiguous rather than guessed.
      const ambiguous = await admin('GET', '/admin/logs?key=shared');
      assert.equal(ambiguous.status, 400);
      assert.match(ambiguous.body.error.message, /give the key's id/);
      const bot = (await admin('GET', '/admin/keys?team=ops')).body.data.find(
        (k: { name: string }) => k.name === 'bot',
      );
      assert.equal((await admin('PATCH', `/admin/keys/${bot.id}`, { name: 'shared' })).status, 409);
      assert.equal((await admin('PATCH', '/admin/teams/dev', { name: 'ops' })).status, 409);
      await admin('POST', '/admin/users', { name: 'ada' });
      await admin('POST', '/admin/users', { name: 'bob' });
      assert.equal((await admin('POST', '/admin/users', { name: 'ada' })).status, 409);
      assert.equal((await admin('PATCH', '/admin/users/bob', { name: 'ada' })).status, 409);
    });

    test('the same name created at once by several callers: one 201, the others 409, never a 500', async () => {
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => admin('POST', '/admin/teams', { name: 'racing' })),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409]);
      const users = await Promise.all(
        Array.from({ length: 6 }, () => admin('POST', '/admin/users', { name: 'racer' })),
      );
      assert.deepEqual(users.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409]);
    });

    test('a team is renamed, and its old name stops resolving', async () => {
      const renamed = await admin('PATCH', '/admin/teams/dev', { name: 'platform' });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.name, 'platform');
      assert.equal((await admin('GET', '/admin/teams/platform')).body.id, renamed.body.id);
      assert.equal((await admin('GET', '/admin/teams/dev')).status, 404);
      assert.ok((await actions()).includes(`team.update ${renamed.body.id}`));
    });

    test("a user's teams change by PATCH; leaving a team where the user has keys is refused", async () => {
      const joined = await admin('PATCH', '/admin/users/ada', { teams: ['ops', 'platform'] });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      const ops = (await admin('GET', '/admin/teams/ops')).body.id;
      const platform = (await admin('GET', '/admin/teams/platform')).body.id;
      assert.deepEqual([...joined.body.teams].sort(), [ops, platform].sort());
      const key = await admin('POST', '/admin/keys', { name: 'ada-bot', team: 'platform', user: 'ada' });
      assert.equal(key.status, 201);
      const leaving = await admin('PATCH', '/admin/users/ada', { teams: ['ops'] });
      assert.equal(leaving.status, 409);
      assert.match(leaving.body.error.message, /keys in team "platform" \(ada-bot\)/);
      assert.deepEqual(
        [...(await admin('GET', '/admin/users/ada')).body.teams].sort(),
        [ops, platform].sort(),
      );
      const bad = await admin('PATCH', '/admin/users/ada', { teams: ['ops', 'ghosts'] });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.param, 'teams[1]');
      assert.deepEqual((await admin('PATCH', '/admin/users/bob', { teams: [ops] })).body.teams, [ops]);
      assert.deepEqual((await admin('PATCH', '/admin/users/bob', { teams: [] })).body.teams, []);
    });

    test('spend is reported for keys, users and teams without a budget, and beside one', async () => {
      const key = await admin('POST', '/admin/keys', { name: 'spender', team: 'ops', user: 'ada' });
      for (let i = 0; i < 3; i++) assert.equal((await chat(key.body.key)).status, 200);
      let spend = await admin('GET', `/admin/keys/${key.body.id}/spend`);
      for (let i = 0; i < 200 && !(spend.body.spent_usd > 0); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        spend = await admin('GET', `/admin/keys/${key.body.id}/spend`);
      }
      assert.equal(spend.status, 200);
      assert.equal(spend.body.budget, null);
      assert.equal(spend.body.period, 'month');
      assert.equal(spend.body.name, 'spender');
      assert.ok(spend.body.spent_usd > 0, JSON.stringify(spend.body));
      assert.equal(spend.body.spent_usd, Number(spend.body.spent_usd.toFixed(9)));
      assert.ok(Date.parse(spend.body.resets_at) > Date.now());
      for (const path of [
        '/admin/users/ada/spend',
        '/admin/teams/ops/spend',
        '/admin/teams/ops/spend?period=total',
      ]) {
        const owner = await admin('GET', path);
        assert.equal(owner.status, 200, path);
        assert.ok(
          owner.body.spent_usd >= spend.body.spent_usd - 1e-9,
          `${path}: ${JSON.stringify(owner.body)}`,
        );
      }
      assert.equal((await admin('GET', '/admin/teams/ops/spend?period=total')).body.resets_at, null);
      assert.equal((await admin('GET', '/admin/teams/platform/spend')).body.spent_usd, 0);
      await admin('PUT', '/admin/teams/platform/rules', { budget: { usd: 10, period: 'day' } });
      const budgeted = (await admin('GET', '/admin/teams/platform/spend')).body;
      assert.deepEqual(budgeted.budget, { usd: 10, period: 'day', remaining_usd: 10 });
      assert.equal(budgeted.period, 'day');
      assert.equal(
        (await admin('GET', '/admin/teams/platform/spend?period=year')).body.error.param,
        'period',
      );
    });

    test('a team or user with keys is refused deletion (409) unless cascade=true; deletions are audited', async () => {
      const team = (await admin('GET', '/admin/teams/platform')).body;
      const refused = await admin('DELETE', '/admin/teams/platform');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'conflict');
      assert.match(refused.body.error.message, /has 2 keys.*cascade=true/);
      assert.equal((await admin('GET', '/admin/teams/platform')).status, 200, 'nothing was deleted');
      const userRefused = await admin('DELETE', '/admin/users/ada');
      assert.equal(userRefused.status, 409);
      assert.match(userRefused.body.error.message, /has 2 keys/);

      const adaBot = (await admin('GET', '/admin/keys?team=platform')).body.data.find(
        (k: { name: string }) => k.name === 'ada-bot',
      );
      const gone = await admin('DELETE', '/admin/teams/platform?cascade=true');
      assert.equal(gone.status, 200, JSON.stringify(gone.body));
      assert.deepEqual(gone.body, team);
      assert.equal((await admin('GET', '/admin/teams/platform')).status, 404);
      assert.equal((await admin('GET', `/admin/teams/${team.id}/rules`)).status, 404);
      assert.equal((await admin('GET', `/admin/keys/${adaBot.id}`)).status, 404, 'a key goes with its team');
      const ada = (await admin('GET', '/admin/users/ada')).body;
      assert.ok(!ada.teams.includes(team.id), 'memberships go with the team');
      const log = await actions();
      assert.ok(log.includes(`key.delete ${adaBot.id}`));
      assert.ok(log.includes(`team.delete ${team.id}`));
      assert.ok(log.indexOf(`key.delete ${adaBot.id}`) < log.indexOf(`team.delete ${team.id}`));
      // The team's name is free again.
      assert.equal((await admin('POST', '/admin/teams', { name: 'platform' })).status, 201);

      assert.equal((await admin('DELETE', '/admin/users/bob')).status, 200, 'a user without keys');
      assert.equal((await admin('DELETE', '/admin/users/ada?cascade=true')).status, 200);
      assert.equal((await admin('GET', '/admin/users/ada')).status, 404);
      assert.equal((await admin('DELETE', '/admin/teams/ops?cascade=maybe')).body.error.param, 'cascade');
      assert.equal((await admin('GET', '/admin/audit/verify')).body.ok, true);
    });
  });
}
