import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './load.ts';

const problemsOf = (auth: unknown) => {
  try {
    parseConfig({ auth }, 'test', { SECRET: 's3cret' });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

const issuer = { issuer: 'https://login.example.com', client_id: 'gatehouse' };

test('an OIDC issuer needs only its URL and client id; the rest has defaults', () => {
  const config = parseConfig(
    { auth: { oidc: { corp: { ...issuer, client_secret: '${SECRET}' } } } },
    'test',
    {
      SECRET: 's3cret',
    },
  );
  const corp = config.auth.oidc.corp!;
  assert.equal(corp.client_secret, 's3cret');
  assert.deepEqual(corp.claims, { user: 'email', teams: 'groups', role: 'gatehouse_role' });
  assert.equal(corp.default_role, 'viewer');
  assert.equal(corp.auto_provision, false);
  assert.equal(config.auth.session_ttl_h, 12);
  assert.deepEqual(parseConfig({}, 'test', {}).auth.oidc, {});
});

test('bad auth values are refused with their path', () => {
  const cases: [unknown, RegExp][] = [
    [{ oidc: { corp: { client_id: 'x' } } }, /^auth\.oidc\.corp\.issuer: /],
    [{ oidc: { corp: { ...issuer, issuer: 'ftp://x' } } }, /^auth\.oidc\.corp\.issuer: /],
    [
      { oidc: { corp: { ...issuer, role_map: { admins: 'root' } } } },
      /^auth\.oidc\.corp\.role_map\.admins: /,
    ],
    [{ oidc: { corp: { ...issuer, default_role: 'owner' } } }, /^auth\.oidc\.corp\.default_role: /],
    [{ oidc: { corp: { ...issuer, claims: { group: 'x' } } } }, /^auth\.oidc\.corp\.claims: .*group/],
    [
      { oidc: { corp: { ...issuer, token_endpoint_auth: 'private_key_jwt' } } },
      /^auth\.oidc\.corp\.token_endpoint_auth: /,
    ],
    [{ session_ttl_h: 0 }, /^auth\.session_ttl_h: /],
    [{ public_url: 'not a url' }, /^auth\.public_url: /],
    [{ oidc: { 'bad name!': issuer } }, /^auth\.oidc/],
  ];
  for (const [auth, expected] of cases) {
    const problems = problemsOf(auth);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${JSON.stringify(auth)}: ${problems.join('; ')}`,
    );
  }
});
