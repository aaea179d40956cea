// Who reads which scores: a viewer reads the feedback, scores and rollups of their own teams only
// (another team's are "not found"); one in several teams names one for the rollups; drift and eval
// reports, which pool every team's traffic or belong to none, are for admins.
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
const teamIds: Record<string, string> = {};

before(async () => {
  await issuer.start();
  gateway = await startTestGateway({
    ...mockOnlyConfig,
    auth: { oidc: { corp: { issuer: issuer.url, client_id: 'gatehouse' } } },
    drift: { interval_s: 3600 },
  });
  for (const team of ['alpha', 'beta', 'gamma']) {
    teamIds[team] = (await admin('POST', '/admin/teams', { name: team })).body.id;
    const key = (await admin('POST', '/admin/keys', { name: `${team}-app`, team })).body.key;
    const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      const { response } = await client.chat.completions
        .create({ model: 'mock-fast', messages: [{ role: 'user', content: `${team} ${i}` }] })
        .withResponse();
      const res = await fetch(`${gateway.url}/v1/feedback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          request_id: response.headers.get('x-request-id'),
          name: 'thumbs',
          value: i === 0,
        }),
      });
      assert.equal(res.status, 200, await res.text());
    }
  }
  assert.equal(
    (await admin('POST', '/admin/evals', { suite: 's', cases: 1, passed: 1, pass_rate: 1, verdict: 'pass' }))
      .status,
    201,
  );
});
after(async () => {
  await gateway.stop();
  await issuer.stop();
});

async function viewerOf(teams: string[]) {
  const token = await issuer.mint(
    { sub: teams.join('-'), claims: { email: `${teams.join('-')}@example.com`, groups: teams } },
    'gatehouse',
  );
  return async (path: string) => {
    const res = await fetch(gateway.url + path, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
}

test('a viewer of one team reads only that team’s scores and rollups', async () => {
  const viewer = await viewerOf(['alpha']);
  for (const path of ['/admin/feedback', '/admin/scores']) {
    const list = await viewer(path);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.equal(list.body.data.length, 2);
    assert.ok(list.body.data.every((s: any) => s.team_id === teamIds.alpha));
  }
  const rollup = await viewer('/admin/quality?group_by=team');
  assert.deepEqual(
    rollup.body.data.map((r: any) => [r.group.team, r.count, r.mean]),
    [[teamIds.alpha, 2, 0.5]],
  );
  for (const path of ['/admin/scores?team=beta', '/admin/quality?team=beta'])
    assert.equal((await viewer(path)).status, 404, path);
  for (const path of ['/admin/drift', '/admin/drift/history', '/admin/evals'])
    assert.equal((await viewer(path)).status, 403, path);
});

test('a viewer of two teams lists both (not a third), and names one for the rollups', async () => {
  const viewer = await viewerOf(['alpha', 'beta']);
  const list = await viewer('/admin/scores');
  assert.deepEqual(
    [...new Set(list.body.data.map((s: any) => s.team_id))].sort(),
    [teamIds.alpha, teamIds.beta].sort(),
  );
  const unnamed = await viewer('/admin/quality');
  assert.equal(unnamed.status, 400);
  assert.equal(unnamed.body.error.param, 'team');
  const named = await viewer('/admin/quality?team=beta&group_by=team');
  assert.deepEqual(
    named.body.data.map((r: any) => r.group.team),
    [teamIds.beta],
  );
  // The master key reads every team's.
  assert.equal((await admin('GET', '/admin/scores')).body.data.length, 6);
});
