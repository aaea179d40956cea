// Single sign-on against an OIDC issuer started in the test: the authorization-code flow with PKCE
// driven by hand (redirects followed one by one, the issuer's login form posted), role and team
// mapping, session cookies and CSRF, sign-out, the issuer's key rotation, and model calls with the
// issuer's tokens through the official OpenAI client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';
import { TestIssuer, type TestUser } from '../helpers/oidc-issuer.ts';

const issuer = new TestIssuer();
let gateway: Gateway;
const admin = adminClient(() => gateway);

const person = (name: string, groups: string[], role?: string | string[]): TestUser => ({
  sub: `sub-${name}`,
  claims: { email: `${name}@example.com`, groups, ...(role ? { gatehouse_role: role } : {}) },
});
const alice = person('alice', ['platform'], 'gh-admins');
const bob = person('bob', ['eng-alpha'], ['employees', 'gh-team-admins']);
const carol = person('carol', ['eng-alpha']);
const erin = person('erin', ['eng-beta', 'not-mapped']);

before(async () => {
  await issuer.start();
  for (const [name, user] of Object.entries({ alice, bob, carol, erin })) issuer.users.set(name, user);
  gateway = await startTestGateway({
    ...mockOnlyConfig,
    auth: {
      oidc: {
        corp: {
          issuer: issuer.url,
          client_id: 'gatehouse',
          client_secret: 'corp-secret',
          label: 'Corp SSO',
          role_map: { 'gh-admins': 'admin', 'gh-team-admins': 'team_admin' },
          team_map: { 'eng-alpha': 'alpha', 'eng-beta': 'beta' },
          auto_provision: true,
          jwks_cooldown_s: 0,
        },
      },
    },
  });
  issuer.clients.set('gatehouse', {
    secret: 'corp-secret',
    redirectUris: [`${gateway.url}/admin/session/oidc/callback`],
  });
  await admin('POST', '/admin/teams', { name: 'alpha' });
  await admin('POST', '/admin/teams', { name: 'beta', models: ['mock-fast'] });
});
after(async () => {
  await gateway.stop();
  await issuer.stop();
});

/** True once `check` is, polling for up to five seconds (request events are written in batches). */
async function until(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

/** The whole browser round trip: start, the issuer's login form, the callback. */
async function signInAs(username: string, returnTo = '/ui/logs?team=alpha') {
  const start = await fetch(
    `${gateway.url}/admin/session/oidc/start?provider=corp&return_to=${encodeURIComponent(returnTo)}`,
    { redirect: 'manual' },
  );
  assert.equal(start.status, 302);
  const authorize = new URL(start.headers.get('location')!);
  const flow = cookieOf(start, 'gh_oidc_flow')!;
  assert.ok(flow, 'the flow cookie is set');
  const page = await fetch(authorize, { redirect: 'manual' });
  assert.equal(page.status, 200, await page.clone().text());
  const form = new URLSearchParams();
  for (const [, name, value] of (await page.text()).matchAll(/name="([^"]+)" value="([^"]*)"/g))
    form.set(name!, value!.replace(/&quot;/g, '"'));
  form.set('username', username);
  const login = await fetch(`${issuer.url}/login`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(login.status, 302);
  const callback = await fetch(login.headers.get('location')!, {
    redirect: 'manual',
    headers: { cookie: flow },
  });
  return { start, authorize, flow, callback };
}

async function sessionOf(username: string) {
  const { callback } = await signInAs(username);
  assert.equal(callback.status, 302, await callback.clone().text());
  const cookie = cookieOf(callback, 'gh_session')!;
  const me = await fetch(`${gateway.url}/admin/session`, { headers: { cookie } });
  assert.equal(me.status, 200);
  return { cookie, ...((await me.json()) as { identity: any; csrf_token: string }) };
}

describe('signing in with OIDC', () => {
  test('the sign-in page lists the issuer', async () => {
    const res = await fetch(`${gateway.url}/admin/session/oidc/providers`);
    assert.deepEqual(await res.json(), [{ name: 'corp', label: 'Corp SSO' }]);
  });

  test('start sends the browser to the issuer with PKCE S256, state and nonce', async () => {
    const { authorize, start } = await signInAs('alice');
    assert.equal(authorize.origin, issuer.url);
    const q = authorize.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'gatehouse');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge')!, /^[\w-]{43}$/);
    assert.ok(q.get('state')!.length >= 32 && q.get('nonce')!.length >= 32);
    assert.equal(q.get('redirect_uri'), `${gateway.url}/admin/session/oidc/callback`);
    const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith('gh_oidc_flow='))!;
    assert.match(flowCookie, /Path=\/admin\/session\/oidc; HttpOnly; SameSite=Lax; Max-Age=600/);
  });

  test('the callback signs in and lands on return_to, with the role and teams mapped', async () => {
    const { callback } = await signInAs('alice', '/ui/keys?team=alpha');
    assert.equal(callback.status, 302);
    assert.equal(callback.headers.get('location'), '/ui/keys?team=alpha');
    const session = callback.headers.getSetCookie().find((c) => c.startsWith('gh_session='))!;
    assert.match(session, /HttpOnly; SameSite=Lax/);
    assert.ok(
      callback.headers.getSetCookie().some((c) => /^gh_oidc_flow=;.*Max-Age=0/.test(c)),
      'flow cookie cleared',
    );

    const a = await sessionOf('alice');
    assert.deepEqual(
      { ...a.identity, team_ids: undefined },
      {
        kind: 'oidc',
        name: 'alice@example.com',
        email: 'alice@example.com',
        role: 'admin',
        teams: [],
        team_ids: undefined,
        provider: 'corp',
      },
    );
    const b = await sessionOf('bob');
    assert.equal(b.identity.role, 'team_admin', 'the highest mapped value of the role claim');
    assert.deepEqual(b.identity.teams, ['alpha']);
    const c = await sessionOf('carol');
    assert.equal(c.identity.role, 'viewer', 'no mapped role value: default_role');
    const e = await sessionOf('erin');
    assert.deepEqual(e.identity.teams, ['beta'], 'unmapped group values are ignored');
  });

  test('a callback with another state, without the flow cookie, or replayed is refused', async () => {
    const { start, authorize } = await signInAs('carol');
    const forged = await fetch(
      `${gateway.url}/admin/session/oidc/callback?code=x&state=${authorize.searchParams.get('state')}x`,
      { redirect: 'manual', headers: { cookie: cookieOf(start, 'gh_oidc_flow')! } },
    );
    assert.equal(forged.status, 401);
    assert.equal(cookieOf(forged, 'gh_session'), undefined);
    const cookieless = await fetch(
      `${gateway.url}/admin/session/oidc/callback?code=x&state=${authorize.searchParams.get('state')}`,
      { redirect: 'manual' },
    );
    assert.equal(cookieless.status, 401);
    // The same callback again, flow cookie and all: the issuer redeems a code once.
    const { callback, flow } = await signInAs('carol');
    assert.equal(callback.status, 302);
    const replay = await fetch(callback.url, { redirect: 'manual', headers: { cookie: flow } });
    assert.equal(replay.status, 401);
    assert.match(((await replay.json()) as any).error.message, /did not redeem the code/);
  });

  test('return_to must be a path on the gateway', async () => {
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
      const res = await fetch(
        `${gateway.url}/admin/session/oidc/start?provider=corp&return_to=${encodeURIComponent(bad)}`,
        { redirect: 'manual' },
      );
      assert.equal(res.status, 400, bad);
    }
    const unknown = await fetch(`${gateway.url}/admin/session/oidc/start?provider=nope`, {
      redirect: 'manual',
    });
    assert.equal(unknown.status, 400);
  });

  test('an OIDC session changes things only with its CSRF token, within its role, and signs out', async () => {
    const b = await sessionOf('bob');
    const post = (body: unknown, csrf?: string) =>
      fetch(`${gateway.url}/admin/keys`, {
        method: 'POST',
        headers: {
          cookie: b.cookie,
          'content-type': 'application/json',
          ...(csrf ? { 'x-csrf-token': csrf } : {}),
        },
        body: JSON.stringify(body),
      });
    const noToken = await post({ name: 'bob-key', team: 'alpha' });
    assert.equal(noToken.status, 403);
    assert.equal(((await noToken.json()) as any).error.code, 'csrf_failed');
    assert.equal((await post({ name: 'bob-key', team: 'alpha' }, b.csrf_token)).status, 201);
    assert.equal((await post({ name: 'bob-key', team: 'beta' }, b.csrf_token)).status, 403);

    const c = await sessionOf('carol');
    const viewerPost = await fetch(`${gateway.url}/admin/keys`, {
      method: 'POST',
      headers: { cookie: c.cookie, 'content-type': 'application/json', 'x-csrf-token': c.csrf_token },
      body: JSON.stringify({ name: 'carol-key', team: 'alpha' }),
    });
    assert.equal(viewerPost.status, 403, 'a viewer reads only');
    const viewerList = await fetch(`${gateway.url}/admin/keys`, { headers: { cookie: c.cookie } });
    assert.equal(viewerList.status, 200);
    assert.ok(((await viewerList.json()) as any).data.some((k: any) => k.name === 'bob-key'));

    const out = await fetch(`${gateway.url}/admin/session`, {
      method: 'DELETE',
      headers: { cookie: b.cookie, 'x-csrf-token': b.csrf_token },
    });
    assert.equal(out.status, 204);
    assert.equal((await fetch(`${gateway.url}/admin/keys`, { headers: { cookie: b.cookie } })).status, 401);
  });
});

describe('OIDC tokens as bearer credentials', () => {
  test('the admin API takes the issuer’s tokens with the same roles, and no CSRF token', async () => {
    const token = await issuer.mint(bob, 'gatehouse');
    const asBob = (method: string, path: string, body?: unknown) =>
      fetch(gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    assert.equal((await asBob('POST', '/admin/users', { name: 'new-alpha', teams: ['alpha'] })).status, 201);
    assert.equal((await asBob('GET', '/admin/secrets')).status, 403);
    const other = await issuer.mint(bob, 'another-client');
    const wrongAudience = await fetch(`${gateway.url}/admin/teams`, {
      headers: { authorization: `Bearer ${other}` },
    });
    assert.equal(wrongAudience.status, 401);
    const expired = await issuer.mint(bob, 'gatehouse', {}, '-1m');
    assert.equal(
      (await fetch(`${gateway.url}/admin/teams`, { headers: { authorization: `Bearer ${expired}` } })).status,
      401,
    );
  });

  test('a model call with a token is the person’s, in their team, under its rules', async () => {
    const client = new OpenAI({
      apiKey: await issuer.mint(erin, 'gatehouse'),
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
    });
    const answer = await client.chat.completions.create(
      { model: 'mock-fast', messages: [{ role: 'user', content: 'hello' }] },
      { headers: { 'x-request-id': 'sso-erin-1' } },
    );
    assert.ok(answer.choices[0]?.message.content);
    // beta allows mock-fast only: the team's model rule applies to its members' tokens.
    await assert.rejects(
      client.chat.completions.create({ model: 'mock-smart', messages: [{ role: 'user', content: 'hi' }] }),
      (err: InstanceType<typeof OpenAI.APIError>) => err.status === 403 && /beta/.test(err.message),
    );
    const beta = (await admin('GET', '/admin/teams/beta')).body;
    const user = (await admin('GET', '/admin/users/erin@example.com')).body;
    assert.deepEqual(user.teams, [beta.id], 'auto_provision created the user in their team');
    let event: any;
    assert.ok(
      await until(async () => {
        event = (await admin('GET', '/admin/logs?request_id=sso-erin-1')).body.data[0];
        return event !== undefined;
      }),
      'the call is in the request log',
    );
    assert.equal(event.team_id, beta.id);
    assert.equal(event.user_id, user.id);
    assert.equal(event.key_id, null);
  });

  test('a token mapping to no team cannot call models; a virtual key is unchanged', async () => {
    const nobody = person('nobody', ['unknown-group']);
    const client = new OpenAI({
      apiKey: await issuer.mint(nobody, 'gatehouse'),
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
    });
    await assert.rejects(
      client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
      (err: InstanceType<typeof OpenAI.APIError>) => err.status === 403,
    );
    const key = (await admin('POST', '/admin/keys', { name: 'plain-key', team: 'alpha' })).body.key;
    const keyed = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const answer = await keyed.chat.completions.create({
      model: 'mock-smart',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(answer.choices[0]?.message.content);
  });

  test("the issuer's key rotation is followed: tokens of the new key are accepted at once", async () => {
    const before = issuer.jwksFetches;
    const oldToken = await issuer.mint(erin, 'gatehouse');
    await issuer.rotate();
    const newToken = await issuer.mint(erin, 'gatehouse');
    assert.notEqual(
      JSON.parse(Buffer.from(oldToken.split('.')[0]!, 'base64url').toString()).kid,
      JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid,
    );
    const client = new OpenAI({ apiKey: newToken, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'after rotation' }],
    });
    assert.ok(answer.choices[0]?.message.content);
    assert.ok(issuer.jwksFetches > before, 'the unknown kid made the gateway fetch the JWKS again');
    // The retired key left the JWKS: a token it signed no longer verifies (once its cache entry is gone).
    await new Promise((r) => setTimeout(r, 2_100));
    const old = new OpenAI({ apiKey: oldToken, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      old.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'old key' }] }),
      (err: InstanceType<typeof OpenAI.APIError>) => err.status === 401,
    );
  });
});
