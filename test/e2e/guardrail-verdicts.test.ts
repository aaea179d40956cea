// GET /admin/guardrails/verdicts on SQLite and PostgreSQL with the same assertions: real traffic
// through guardrails (a redacting one, a blocking one, one in shadow mode) for two teams, then the
// report by guardrail, team and action is checked against the verdicts the request log holds; bad
// input is a 400 naming the parameter; a viewer of one team sees that team's verdicts only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { bothStores } from '../helpers/database.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { TestIssuer } from '../helpers/oidc-issuer.ts';

const stores = await bothStores();
const awsKey = 'AKIAIOSFODNN7EXAMPLE';
const actions = ['blocked', 'redacted', 'warned', 'error'] as const;

type Counts = Record<(typeof actions)[number] | 'verdicts', number>;
const sum = (rows: Counts[]) =>
  Object.fromEntries(
    [...actions, 'verdicts'].map((a) => [a, rows.reduce((n, r) => n + r[a as keyof Counts], 0)]),
  );

for (const store of stores) {
  describe(`guardrail verdicts on ${store.name}`, { skip: store.skip ?? false }, () => {
    const issuer = new TestIssuer();
    let gateway: Gateway;
    const admin = adminClient(() => gateway);
    const chat = (key: string, model: string, content: string) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
      }).then((res) => res.status);
    /** What the request log says, summed the way the report should: by guardrail, mode and action. */
    let logged: Map<string, number>;

    before(async () => {
      await issuer.start();
      gateway = await startTestGateway(
        {
          providers: { mock: { type: 'mock' } },
          models: {
            'mock-fast': {
              targets: [{ provider: 'mock', model: 'mock-fast' }],
              // The shadow check first: it sees the text before no-email redacts it.
              guardrails: ['watch-email', 'no-email'],
            },
            guarded: { targets: [{ provider: 'mock', model: 'mock-fast' }], guardrails: ['no-secrets'] },
          },
          guardrails: {
            'no-email': { type: 'pii', entities: ['email'], action: 'redact', on: ['input'] },
            'watch-email': {
              type: 'pii',
              entities: ['email'],
              action: 'block',
              mode: 'shadow',
              on: ['input'],
            },
            'no-secrets': { type: 'secrets', action: 'block' },
          },
          auth: { oidc: { corp: { issuer: issuer.url, client_id: 'gatehouse' } } },
        },
        store.url ? { databaseUrl: store.url } : {},
      );
      for (const team of ['alpha', 'beta']) await admin('POST', '/admin/teams', { name: team });
      const alpha = (await admin('POST', '/admin/keys', { name: 'a', team: 'alpha' })).body.key;
      const beta = (await admin('POST', '/admin/keys', { name: 'b', team: 'beta' })).body.key;
      assert.equal(await chat(alpha, 'mock-fast', 'mail ada@example.com please'), 200);
      assert.equal(await chat(alpha, 'mock-fast', 'or bob@example.org'), 200);
      assert.equal(await chat(alpha, 'mock-fast', 'nothing to see'), 200);
      assert.equal(await chat(beta, 'guarded', `my key is ${awsKey}`), 400);
      assert.equal(await chat(beta, 'mock-fast', 'write to eve@example.com'), 200);
      let events: any[] = [];
      for (let i = 0; i < 200 && events.length < 5; i++) {
        events = (await admin('GET', '/admin/logs?since=1h&limit=100')).body.data;
        if (events.length < 5) await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(events.length, 5, 'every request is in the log');
      logged = new Map();
      for (const e of events)
        for (const v of e.guardrails) {
          if (v.action === 'passed') continue;
          const id = `${v.guardrail}|${v.mode}|${v.action}|${e.team_id}`;
          logged.set(id, (logged.get(id) ?? 0) + 1);
        }
    });
    after(async () => {
      await gateway?.stop(0);
      await issuer.stop();
      await store.drop();
    });

    test('by guardrail: the log’s verdicts, enforced and shadow apart', async () => {
      const report = await admin('GET', '/admin/guardrails/verdicts?since=1d&bucket=hour');
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.deepEqual(report.body.by, ['guardrail']);
      const byKey = new Map<string, number>();
      for (const row of report.body.data) {
        assert.match(row.period, /^\d{4}-\d\d-\d\dT\d\d:00Z$/);
        for (const a of actions)
          if (row[a])
            byKey.set(
              `${row.guardrail}|${row.mode}|${a}`,
              (byKey.get(`${row.guardrail}|${row.mode}|${a}`) ?? 0) + row[a],
            );
      }
      const expected = new Map<string, number>();
      for (const [id, n] of logged) {
        const [g, mode, a] = id.split('|');
        expected.set(`${g}|${mode}|${a}`, (expected.get(`${g}|${mode}|${a}`) ?? 0) + n);
      }
      assert.deepEqual(Object.fromEntries(byKey), Object.fromEntries(expected));
      // What the traffic must have produced, independently of the log.
      assert.equal(expected.get('no-email|enforce|redacted'), 3);
      assert.equal(expected.get('watch-email|shadow|blocked'), 3);
      assert.equal(expected.get('no-secrets|enforce|blocked'), 1);
      assert.equal(report.body.totals.shadow.blocked, 3);
      assert.equal(report.body.totals.enforce.verdicts, 4);

      const shadow = await admin('GET', '/admin/guardrails/verdicts?since=1d&mode=shadow&bucket=none');
      assert.deepEqual(
        shadow.body.data.map((r: any) => [r.guardrail, r.mode, r.blocked, r.period]),
        [['watch-email', 'shadow', 3, undefined]],
      );
      const one = await admin('GET', '/admin/guardrails/verdicts?since=1d&guardrail=no-secrets&bucket=day');
      assert.equal(sum(one.body.data).blocked, 1);
      assert.equal(sum(one.body.data).verdicts, 1);
    });

    test('by team and by action, and one team by name', async () => {
      const byTeam = await admin('GET', '/admin/guardrails/verdicts?since=1d&by=team,action&bucket=none');
      assert.equal(byTeam.status, 200, JSON.stringify(byTeam.body));
      const names = new Set(byTeam.body.data.map((r: any) => r.team_name));
      assert.deepEqual([...names].sort(), ['alpha', 'beta']);
      const beta = byTeam.body.data.filter((r: any) => r.team_name === 'beta');
      assert.deepEqual(beta.map((r: any) => `${r.mode}:${r.action}:${r[r.action]}`).sort(), [
        'enforce:blocked:1',
        'enforce:redacted:1',
        'shadow:blocked:1',
      ]);
      const redacted = await admin('GET', '/admin/guardrails/verdicts?since=1d&action=redacted&bucket=none');
      assert.deepEqual(
        redacted.body.data.map((r: any) => [r.guardrail, r.mode, r.redacted, r.verdicts]),
        [['no-email', 'enforce', 3, 3]],
      );
      const alphaOnly = await admin('GET', '/admin/guardrails/verdicts?since=1d&team=alpha&by=&bucket=none');
      assert.deepEqual(alphaOnly.body.data.map((r: any) => [r.mode, r.redacted, r.blocked]).sort(), [
        ['enforce', 2, 0],
        ['shadow', 0, 2],
      ]);
    });

    test('bad input is a 400 naming the parameter', async () => {
      for (const [query, param] of [
        ['by=model', 'by'],
        ['bucket=week', 'bucket'],
        ['action=passed', 'action'],
        ['mode=loud', 'mode'],
        ['since=yesterday', 'since'],
        ['since=1h&until=2h', 'until'],
        ['since=40d&bucket=hour', 'since'],
        ['colour=red', 'colour'],
        ['region=mars', 'region'],
      ]) {
        const answer = await admin('GET', `/admin/guardrails/verdicts?${query}`);
        assert.equal(answer.status, 400, `${query}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.param, param, query);
      }
      const nobody = await admin('GET', '/admin/guardrails/verdicts?team=nobody');
      assert.equal(nobody.status, 400, 'an unknown team, as the other reports answer it');
      assert.equal(nobody.body.error.param, 'team');
    });

    test("a viewer of alpha reads alpha's verdicts only", async () => {
      const token = await issuer.mint(
        { sub: 'v', claims: { email: 'v@example.com', groups: ['alpha'] } },
        'gatehouse',
      );
      const call = async (path: string) => {
        const res = await fetch(gateway.url + path, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: (await res.json()) as any };
      };
      const me = await call('/admin/session');
      assert.equal(me.body.identity.role, 'viewer');
      const mine = await call('/admin/guardrails/verdicts?since=1d&by=team&bucket=none');
      assert.equal(mine.status, 200, JSON.stringify(mine.body));
      assert.deepEqual([...new Set(mine.body.data.map((r: any) => r.team_name))], ['alpha']);
      assert.equal(mine.body.totals.enforce.redacted, 2);
      assert.equal((await call('/admin/guardrails/verdicts?team=beta')).status, 404);
    });
  });
}
