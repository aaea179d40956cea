// A team_admin of one team cannot read or change another team's anything, whatever it calls: every
// route of the admin contract (as /admin/openapi.json lists it, so routes added later are walked
// too) is called as a team admin of alpha against beta's team, users and keys. Each answer must be a
// refusal (403 or 404) or a list filtered to alpha; afterwards beta is exactly as it was.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';
import { TestIssuer } from '../helpers/oidc-issuer.ts';

const issuer = new TestIssuer();
let gateway: Gateway;
const admin = adminClient(() => gateway);
const ids = { alpha: '', beta: '', betaUser: '', sharedUser: '', betaKey: '', alphaKey: '' };

before(async () => {
  await issuer.start();
  gateway = await startTestGateway({
    ...mockOnlyConfig,
    auth: {
      oidc: {
        corp: {
          issuer: issuer.url,
          client_id: 'gatehouse',
          role_map: { 'team-admins': 'team_admin' },
        },
      },
    },
  });
  ids.alpha = (await admin('POST', '/admin/teams', { name: 'alpha' })).body.id;
  ids.beta = (await admin('POST', '/admin/teams', { name: 'beta' })).body.id;
  ids.betaUser = (await admin('POST', '/admin/users', { name: 'beta-user', teams: ['beta'] })).body.id;
  ids.sharedUser = (
    await admin('POST', '/admin/users', { name: 'shared-user', teams: ['alpha', 'beta'] })
  ).body.id;
  const betaKey = (await admin('POST', '/admin/keys', { name: 'beta-key', team: 'beta', user: 'beta-user' }))
    .body;
  ids.betaKey = betaKey.id;
  const alphaKey = (await admin('POST', '/admin/keys', { name: 'alpha-key', team: 'alpha' })).body;
  ids.alphaKey = alphaKey.id;
  assert.equal(
    (await admin('PUT', '/admin/teams/beta/rules', { budget: { usd: 5, period: 'month' } })).status,
    200,
  );
  // Traffic of both teams, so that the request log and usage have something of beta to leak.
  for (const [key, id] of [
    [betaKey.key, 'walk-beta'],
    [alphaKey.key, 'walk-alpha'],
  ]) {
    const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create(
      { model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': id } },
    );
  }
  for (let i = 0; i < 100; i++) {
    if ((await admin('GET', '/admin/logs?request_id=walk-*')).body.data.length === 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});
after(async () => {
  await gateway.stop();
  await issuer.stop();
});

/** What beta is, read by the master key: must not change during the walk. */
const betaState = async () => ({
  team: (await admin('GET', '/admin/teams/beta')).body,
  rules: (await admin('GET', '/admin/teams/beta/rules')).body,
  user: (await admin('GET', '/admin/users/beta-user')).body,
  shared: (await admin('GET', '/admin/users/shared-user')).body,
  key: (await admin('GET', `/admin/keys/${ids.betaKey}`)).body,
  keys: (await admin('GET', '/admin/keys?team=beta')).body,
  users: (await admin('GET', '/admin/users?team=beta')).body,
  secrets: (await admin('GET', '/admin/secrets')).body,
});

/** Beta's resource for each path parameter, by the collection the path is under. */
function fill(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (name === 'team') return 'beta';
    if (name === 'user') return 'beta-user';
    if (name === 'key') return ids.betaKey;
    if (name === 'ref') {
      if (path.startsWith('/admin/teams/')) return 'beta';
      if (path.startsWith('/admin/users/')) return 'beta-user';
      if (path.startsWith('/admin/keys/')) return ids.betaKey;
    }
    return name === 'id' ? '1' : 'beta';
  });
}

/** Bodies that pass validation, so that the walk reaches the access checks behind them. */
const bodies: Record<string, unknown> = {
  'POST /admin/keys': { name: 'walked', team: 'beta' },
  'POST /admin/users': { name: 'walked-user', teams: ['beta'] },
  'POST /admin/teams': { name: 'walked-team' },
  'PATCH /admin/users/{user}': { email: 'taken@example.com' },
  'PATCH /admin/keys/{key}': { name: 'renamed' },
  'PATCH /admin/teams/{team}': { name: 'renamed' },
  'PUT /admin/teams/{ref}/rules': { budget: null },
  'PUT /admin/users/{ref}/rules': { budget: null },
  'PUT /admin/keys/{ref}/rules': { budget: null },
  'PUT /admin/secrets/{name}': { value: 'sk-walk' },
};

/** Routes about the caller itself (signing in and out), and the contract: nothing of a team. */
const ownRoutes = /^\/admin\/(session($|\/)|openapi\.json$)/;

test('a team_admin of alpha gets nothing of beta from any admin route', async () => {
  const token = await issuer.mint(
    { sub: 'ta', claims: { email: 'ta@example.com', groups: ['alpha'], gatehouse_role: 'team-admins' } },
    'gatehouse',
  );
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(gateway.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const me = JSON.parse((await call('GET', '/admin/session')).text);
  assert.equal(me.identity.role, 'team_admin');
  assert.deepEqual(me.identity.teams, ['alpha']);

  const stateBefore = await betaState();
  const doc = (await admin('GET', '/admin/openapi.json')).body;
  const betaIds = [ids.beta, ids.betaUser, ids.betaKey];
  const walked: string[] = [];
  for (const [template, methods] of Object.entries<Record<string, any>>(doc.paths)) {
    if (ownRoutes.test(template)) continue;
    for (const [lower, op] of Object.entries(methods)) {
      const method = lower.toUpperCase();
      const label = `${method} ${template}`;
      walked.push(label);
      const path = fill(template);
      const body = method === 'GET' || method === 'DELETE' ? undefined : (bodies[label] ?? {});
      const answer = await call(method, path, body);
      const takesTeam = (op.parameters ?? []).some(
        (p: { in: string; name: string }) => p.in === 'query' && p.name === 'team',
      );
      if (method === 'GET' && !template.includes('{') && answer.status === 200) {
        // A list or report: allowed, but filtered to alpha.
        for (const id of betaIds)
          assert.ok(!answer.text.includes(id), `${label} leaks ${id}: ${answer.text.slice(0, 300)}`);
        if (takesTeam) {
          const named = await call('GET', `${path}?team=beta`);
          assert.ok(
            [403, 404].includes(named.status),
            `${label}?team=beta answered ${named.status}: ${named.text.slice(0, 200)}`,
          );
        }
        continue;
      }
      assert.ok(
        [403, 404].includes(answer.status),
        `${label} answered ${answer.status}: ${answer.text.slice(0, 300)}`,
      );
      // A refusal may repeat what the caller sent, nothing more of beta.
      for (const id of betaIds)
        if (!path.includes(id)) assert.ok(!answer.text.includes(id), `${label} names ${id} in its refusal`);
    }
  }
  assert.ok(walked.length >= 35, `${walked.length} routes walked`);
  for (const must of [
    'GET /admin/logs',
    'GET /admin/usage',
    'POST /admin/keys/{key}/revoke',
    'PUT /admin/teams/{ref}/rules',
  ])
    assert.ok(walked.includes(must), `${must} was walked`);
  assert.deepEqual(await betaState(), stateBefore, 'beta is as it was');
  assert.equal((await admin('GET', '/admin/users/walked-user')).status, 404);
});

test('the same team_admin does read and change alpha, and a shared user only reads', async () => {
  const token = await issuer.mint(
    { sub: 'ta', claims: { email: 'ta@example.com', groups: ['alpha'], gatehouse_role: 'team-admins' } },
    'gatehouse',
  );
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(gateway.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  const keys = await call('GET', '/admin/keys');
  assert.deepEqual(
    keys.body.data.map((k: any) => k.name),
    ['alpha-key'],
  );
  const logs = await call('GET', '/admin/logs');
  assert.deepEqual(
    logs.body.data.map((e: any) => e.request_id),
    ['walk-alpha'],
  );
  const usage = await call('GET', '/admin/usage?by=team');
  assert.equal(usage.status, 200);
  assert.deepEqual(
    usage.body.data.map((r: any) => r.team_id),
    [ids.alpha],
  );
  const teams = await call('GET', '/admin/teams');
  assert.deepEqual(
    teams.body.data.map((t: any) => t.name),
    ['alpha'],
  );
  assert.equal((await call('POST', `/admin/keys/${ids.alphaKey}/revoke`)).status, 200);
  assert.equal(
    (await call('PUT', '/admin/teams/alpha/rules', { budget: { usd: 1, period: 'day' } })).status,
    200,
  );
  assert.equal((await call('GET', '/admin/users/shared-user')).status, 200, 'a member of alpha is readable');
  assert.equal(
    (await call('PATCH', '/admin/users/shared-user', { email: 'x@example.com' })).status,
    404,
    'but is beta’s too',
  );
  assert.equal(
    (await call('POST', '/admin/keys', { name: 'mine', team: 'alpha', user: 'beta-user' })).status,
    403,
  );
  assert.equal((await call('POST', '/admin/keys', { name: 'mine', team: 'alpha' })).status, 201);
});
