// Signing in to the console with the master key: the session cookie, CSRF on changes, signing out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { freshPostgres } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
});
after(() => gateway.stop());

const call = (
  method: string,
  path: string,
  init: { cookie?: string; csrf?: string; body?: unknown; headers?: Record<string, string> } = {},
) =>
  fetch(gateway.url + path, {
    method,
    redirect: 'manual',
    headers: {
      'content-type': 'application/json',
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

async function signIn(headers: Record<string, string> = {}) {
  const res = await call('POST', '/admin/session', { body: { master_key: testMasterKey }, headers });
  assert.equal(res.status, 200);
  const setCookie = res.headers.getSetCookie();
  const body = (await res.json()) as { identity: Record<string, unknown>; csrf_token: string };
  const cookie = setCookie[0]!.split(';')[0]!;
  return { setCookie, body, cookie };
}

test('the master key signs in: an HttpOnly, SameSite cookie, the identity and a CSRF token', async () => {
  const { setCookie, body, cookie } = await signIn();
  assert.equal(setCookie.length, 1);
  assert.match(setCookie[0]!, /^gh_session=[\w-]{40,};/);
  assert.match(setCookie[0]!, /; HttpOnly/);
  assert.match(setCookie[0]!, /; SameSite=Lax/);
  assert.match(setCookie[0]!, /; Path=\//);
  assert.doesNotMatch(setCookie[0]!, /Secure/, 'plain HTTP: a Secure cookie would never come back');
  assert.deepEqual(body.identity, { kind: 'master', name: 'master', role: 'admin', teams: [], team_ids: [] });
  assert.ok(body.csrf_token.length >= 20);

  const me = await call('GET', '/admin/session', { cookie });
  assert.equal(me.status, 200);
  assert.deepEqual(await me.json(), body);
  // The cookie reads the admin API like the master key does.
  const teams = await call('GET', '/admin/teams', { cookie });
  assert.equal(teams.status, 200);
});

test('behind a TLS proxy the cookie is Secure', async () => {
  const { setCookie } = await signIn({ 'x-forwarded-proto': 'https' });
  assert.match(setCookie[0]!, /; Secure/);
});

test('a wrong master key is a 401 and sets nothing', async () => {
  const res = await call('POST', '/admin/session', { body: { master_key: 'gh-not-it' } });
  assert.equal(res.status, 401);
  assert.deepEqual(res.headers.getSetCookie(), []);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unauthenticated');
  assert.equal((await call('GET', '/admin/session')).status, 401);
});

test('a change made with the cookie needs the CSRF token; bearer callers need none', async () => {
  const { body, cookie } = await signIn();
  const refused = await call('POST', '/admin/teams', { cookie, body: { name: 'csrf-less' } });
  assert.equal(refused.status, 403);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'csrf_failed');
  const wrong = await call('POST', '/admin/teams', {
    cookie,
    csrf: 'x'.repeat(body.csrf_token.length),
    body: { name: 'csrf-less' },
  });
  assert.equal(wrong.status, 403);
  assert.equal((await call('GET', '/admin/teams/csrf-less', { cookie })).status, 404, 'nothing was created');

  const made = await call('POST', '/admin/teams', {
    cookie,
    csrf: body.csrf_token,
    body: { name: 'with-csrf' },
  });
  assert.equal(made.status, 201);
  const bearer = await call('POST', '/admin/teams', {
    headers: { authorization: `Bearer ${testMasterKey}` },
    body: { name: 'by-bearer' },
  });
  assert.equal(bearer.status, 201);
});

test('signing out ends the session (CSRF-checked) and clears the cookie', async () => {
  const { body, cookie } = await signIn();
  assert.equal((await call('DELETE', '/admin/session', { cookie })).status, 403);
  const out = await call('DELETE', '/admin/session', { cookie, csrf: body.csrf_token });
  assert.equal(out.status, 204);
  assert.match(out.headers.getSetCookie()[0]!, /^gh_session=; .*Max-Age=0/);
  const after = await call('GET', '/admin/session', { cookie });
  assert.equal(after.status, 401);
  assert.equal((await call('GET', '/admin/teams', { cookie })).status, 401);
});

test('a virtual key cannot sign in or use the admin API', async () => {
  const created = await call('POST', '/admin/keys', {
    headers: { authorization: `Bearer ${testMasterKey}` },
    body: { name: 'plain', team: 'by-bearer' },
  });
  const key = ((await created.json()) as { key: string }).key;
  assert.equal((await call('POST', '/admin/session', { body: { master_key: key } })).status, 401);
  assert.equal(
    (await call('GET', '/admin/teams', { headers: { authorization: `Bearer ${key}` } })).status,
    403,
  );
});

test('without OIDC configured the sign-in page lists no issuers and start is a 404', async () => {
  const res = await call('GET', '/admin/session/oidc/providers');
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), []);
  assert.equal((await call('GET', '/admin/session/oidc/start?provider=x')).status, 404);
});

test('a session holds on every replica sharing PostgreSQL, and signing out on one ends it on all', async (t) => {
  const database = await freshPostgres();
  if (!database.url) return t.skip(database.skip);
  const one = await startTestGateway(mockOnlyConfig, { databaseUrl: database.url });
  const two = await startTestGateway(mockOnlyConfig, { databaseUrl: database.url });
  try {
    const signIn = await fetch(`${one.url}/admin/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ master_key: testMasterKey }),
    });
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const { csrf_token } = (await signIn.json()) as { csrf_token: string };
    const made = await fetch(`${two.url}/admin/teams`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf_token, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'across-replicas' }),
    });
    assert.equal(made.status, 201, 'the other replica knows the session and its CSRF token');
    const out = await fetch(`${two.url}/admin/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': csrf_token },
    });
    assert.equal(out.status, 204);
    assert.equal((await fetch(`${one.url}/admin/session`, { headers: { cookie } })).status, 401);
  } finally {
    await one.stop();
    await two.stop();
    await database.drop();
  }
});
