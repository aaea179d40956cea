import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oidcIssuerSchema } from '../../config/auth.ts';
import { claimAt, roleFrom, teamNamesFrom } from './claims.ts';
import { FlowSigner, newFlow } from './flow.ts';

const config = (extra: Record<string, unknown> = {}) =>
  oidcIssuerSchema.parse({ issuer: 'https://login.example.com', client_id: 'gatehouse', ...extra });

test('claims are read by name, else by a dotted path into nested claims', () => {
  const claims = { 'https://x/roles': ['a'], realm_access: { roles: ['admin-role'] } };
  assert.deepEqual(claimAt(claims, 'https://x/roles'), ['a']);
  assert.deepEqual(claimAt(claims, 'realm_access.roles'), ['admin-role']);
  assert.equal(claimAt(claims, 'realm_access.roles.x'), undefined);
  assert.equal(claimAt(claims, 'missing.path'), undefined);
});

test('the highest mapped role wins; nothing mapped is the default role', () => {
  const c = config({
    role_map: { staff: 'viewer', leads: 'team_admin', ops: 'admin' },
    default_role: 'viewer',
  });
  assert.equal(roleFrom({ gatehouse_role: ['staff', 'leads'] }, c), 'team_admin');
  assert.equal(roleFrom({ gatehouse_role: 'ops' }, c), 'admin');
  assert.equal(roleFrom({ gatehouse_role: ['unknown'] }, c), 'viewer');
  assert.equal(roleFrom({}, config({ default_role: 'team_admin' })), 'team_admin');
  // A role claim that is not a string or list of strings maps to nothing.
  assert.equal(roleFrom({ gatehouse_role: { ops: true } }, c), 'viewer');
});

test('teams come through team_map when set (others ignored), else the values are the names', () => {
  assert.deepEqual(teamNamesFrom({ groups: ['search', 'ads', 'search'] }, config()), ['search', 'ads']);
  const mapped = config({ team_map: { '/eng/search': 'search' } });
  assert.deepEqual(teamNamesFrom({ groups: ['/eng/search', '/eng/other'] }, mapped), ['search']);
  assert.deepEqual(teamNamesFrom({ groups: 'search' }, config()), ['search']);
  assert.deepEqual(teamNamesFrom({ groups: 42 }, config()), []);
});

test('a flow cookie opens only as signed, unaltered and within ten minutes', () => {
  const signer = new FlowSigner('gh-master');
  const flow = newFlow('corp', '/ui/', 1_000);
  const cookie = signer.seal(flow);
  assert.deepEqual(signer.open(cookie, 2_000), flow);
  assert.throws(() => signer.open(cookie, flow.expiresAt), /more than ten minutes/);
  const [body, mac] = cookie.split('.');
  const forged = Buffer.from(JSON.stringify({ ...flow, returnTo: '//evil' })).toString('base64url');
  assert.throws(() => signer.open(`${forged}.${mac}`, 2_000), /not one this gateway signed/);
  assert.throws(() => new FlowSigner('another-master').open(cookie, 2_000), /not one this gateway signed/);
  assert.throws(() => signer.open(undefined), /cookie is missing/);
  assert.throws(() => signer.open(`${body}`), /not one this gateway signed/);
});
