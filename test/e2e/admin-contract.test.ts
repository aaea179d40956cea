// The admin API's one contract (docs/admin-api.md), checked on a live gateway: what a GET answers
// can be PATCHed back, lists share one envelope and page with cursors, a missing resource is
// GH_NOT_FOUND, unknown query parameters are refused by name, names work wherever ids do, and the
// OpenAPI document describes every answer with a real schema.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient, readAllPages } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
const admin = adminClient(() => gateway);
before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
});
after(() => gateway?.stop(0));

const chat = (key: string, model = 'mock-fast', requestId?: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  }).then(async (res) => ({ status: res.status, body: await res.json() }));

const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const camelCase = /"[a-z]+[A-Z][A-Za-z]*":/;

describe('GET → PATCH round trip', () => {
  test('a team, a user, a key and rules: what GET answers, PATCH (or PUT) takes back unchanged', async () => {
    const team = await admin('POST', '/admin/teams', {
      name: 'roundtrip',
      models: ['mock-*'],
      metadata: { cost_center: 'r&d' },
      log_bodies: 'metadata',
      retention_days: 14,
      budget: { usd: 25, period: 'month', soft_threshold: 0.8 },
      limits: { rpm: 100 },
      cache: { mode: 'exact', ttl: 600 },
    });
    assert.equal(team.status, 201, JSON.stringify(team.body));
    const user = await admin('POST', '/admin/users', {
      name: 'grace',
      email: 'grace@example.com',
      teams: ['roundtrip'],
    });
    const key = await admin('POST', '/admin/keys', {
      name: 'rt-key',
      team: 'roundtrip',
      user: 'grace',
      models: ['mock-fast'],
      expires_at: '2099-01-01T00:00:00Z',
      log_bodies: 'off',
    });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    for (const path of [
      `/admin/teams/${team.body.id}`,
      `/admin/users/${user.body.id}`,
      `/admin/keys/${key.body.id}`,
    ]) {
      const got = await admin('GET', path);
      assert.equal(got.status, 200);
      assert.doesNotMatch(JSON.stringify(got.body), camelCase, `${path} answers snake_case only`);
      assert.match(got.body.created_at, isoTime);
      const patched = await admin('PATCH', path, got.body);
      assert.equal(patched.status, 200, `${path}: ${JSON.stringify(patched.body)}`);
      assert.deepEqual(patched.body, got.body, `${path}: the round trip changes nothing`);
    }
    assert.equal(
      (await admin('GET', `/admin/keys/${key.body.id}`)).body.expires_at,
      '2099-01-01T00:00:00.000Z',
    );
    const rules = await admin('GET', '/admin/teams/roundtrip/rules');
    assert.deepEqual(rules.body, {
      budget: { usd: 25, period: 'month', soft_threshold: 0.8 },
      limits: { rpm: 100 },
      guardrails: null,
      cache: { mode: 'exact', ttl: 600 },
      tools: null,
      tool_limits: null,
      tool_args: null,
      run: null,
    });
    const put = await admin('PUT', '/admin/teams/roundtrip/rules', rules.body);
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, rules.body);
  });

  test('a read-only field sent with another value is refused naming it; names count as their ids', async () => {
    const key = (await admin('GET', '/admin/keys?team=roundtrip')).body.data[0];
    await admin('POST', '/admin/teams', { name: 'elsewhere' });
    for (const [field, value] of [
      ['team', 'elsewhere'],
      ['id', 'key_other'],
      ['prefix', 'gh-xxxxxxx'],
      ['revoked_at', '2020-01-01T00:00:00.000Z'],
      ['created_at', '2020-01-01T00:00:00.000Z'],
    ] as const) {
      const res = await admin('PATCH', `/admin/keys/${key.id}`, { ...key, [field]: value });
      assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.param, field);
    }
    // The same instant in another ISO form, and the team and user by name, are the same values.
    const same = await admin('PATCH', `/admin/keys/${key.id}`, {
      ...key,
      team: 'roundtrip',
      user: 'grace',
      created_at: key.created_at.replace('Z', '+00:00'),
      name: 'rt-key-renamed',
    });
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal(same.body.name, 'rt-key-renamed');
  });
});

describe('errors', () => {
  test('a missing team, user, key or secret is a 404 not_found_error with code not_found', async () => {
    for (const [method, path] of [
      ['GET', '/admin/teams/nowhere'],
      ['PATCH', '/admin/teams/nowhere'],
      ['DELETE', '/admin/teams/nowhere'],
      ['GET', '/admin/users/nobody'],
      ['GET', '/admin/keys/key_missing'],
      ['DELETE', '/admin/keys/key_missing'],
      ['POST', '/admin/keys/key_missing/rotate'],
      ['GET', '/admin/teams/nowhere/rules'],
      ['GET', '/admin/users/nobody/spend'],
      ['GET', '/admin/secrets/never-stored'],
      ['DELETE', '/admin/secrets/never-stored'],
    ] as const) {
      const res = await admin(method, path, method === 'PATCH' ? {} : undefined);
      assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.type, 'not_found_error', path);
      assert.equal(res.body.error.code, 'not_found', path);
    }
  });

  test('an unknown query parameter is a 400 naming it, on every kind of route', async () => {
    for (const [path, name] of [
      ['/admin/teams?colour=blue', 'colour'],
      ['/admin/keys?tem=search', 'tem'],
      ['/admin/logs?limit=5&modle=x', 'modle'],
      ['/admin/usage?by=team&grup=x', 'grup'],
      ['/admin/audit?afetr=3', 'afetr'],
      ['/admin/teams/roundtrip?expand=keys', 'expand'],
      ['/admin/audit/verify?fast=1', 'fast'],
      ['/admin/openapi.json?v=3', 'v'],
    ] as const) {
      const res = await admin('GET', path);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.param, name);
      assert.match(res.body.error.message, new RegExp(`unknown query parameter "${name}"`));
    }
  });

  test('limit and cursor are checked: out of range, not a number, or a cursor the API never gave', async () => {
    for (const path of [
      '/admin/teams?limit=0',
      '/admin/keys?limit=1001',
      '/admin/users?limit=ten',
      '/admin/secrets?limit=2.5',
    ])
      assert.equal((await admin('GET', path)).body.error.param, 'limit', path);
    for (const path of [
      '/admin/teams?cursor=zzz',
      '/admin/audit?cursor=e30',
      '/admin/usage?cursor=bm9wZQ',
      '/admin/logs?cursor=zzz',
    ])
      assert.equal((await admin('GET', path)).body.error.param, 'cursor', path);
  });

  test('a taken name is a 409 conflict; a wrong method is a 405 naming the right ones', async () => {
    const taken = await admin('POST', '/admin/teams', { name: 'roundtrip' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'conflict');
    const res = await fetch(`${gateway.url}/admin/teams/roundtrip/spend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testMasterKey}` },
    });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
  });
});

describe('lists and paging', () => {
  test('teams, users, keys, secrets and the audit log page with cursors: every item once, in order', async () => {
    for (let i = 0; i < 7; i++) {
      await admin('POST', '/admin/teams', { name: `paged-${i}` });
      await admin('POST', '/admin/users', { name: `pager-${i}`, teams: [`paged-${i}`] });
      await admin('POST', '/admin/keys', { name: `paged-key-${i}`, team: `paged-${i}` });
      await admin('PUT', `/admin/secrets/paged-${i}`, { value: `s-${i}` });
    }
    for (const [path, id] of [
      ['/admin/teams', 'id'],
      ['/admin/users', 'id'],
      ['/admin/keys', 'id'],
      ['/admin/secrets', 'name'],
      ['/admin/audit', 'seq'],
    ] as const) {
      const whole = (await admin('GET', `${path}?limit=1000`)).body;
      assert.equal(whole.next_cursor, null, path);
      assert.ok(whole.data.length >= 7, path);
      const paged = await readAllPages(admin, path, 3);
      assert.deepEqual(
        paged.items.map((item) => item[id]),
        whole.data.map((item: Record<string, unknown>) => item[id]),
        `${path}: pages of 3 add up to the whole list`,
      );
      assert.equal(paged.pages, Math.ceil(whole.data.length / 3), path);
      const first = (await admin('GET', `${path}?limit=2`)).body;
      assert.equal(first.data.length, 2, `${path}: limit is honoured`);
    }
    const secret = (await admin('GET', '/admin/secrets/paged-0')).body;
    assert.deepEqual(Object.keys(secret).sort(), ['created_at', 'name', 'updated_at']);
  });

  test('audit entries carry their objects as JSON, not JSON text, and ISO times', async () => {
    const entries = (await admin('GET', '/admin/audit?limit=1000')).body.data;
    const created = entries.find((e: { action: string }) => e.action === 'team.create');
    assert.match(created.at, isoTime);
    assert.equal(typeof created.details.after, 'object');
    assert.equal(created.details.after.name, 'roundtrip');
    assert.equal(created.details.before, null);
    const keyMade = entries.find((e: { action: string }) => e.action === 'key.create');
    assert.equal(keyMade.details.after.key, undefined, 'no secret in the audit log');
    const after = (await admin('GET', `/admin/audit?after=${entries.at(-2).seq}`)).body.data;
    assert.deepEqual(
      after.map((e: { seq: number }) => e.seq),
      [entries.at(-1).seq],
    );
  });

  test('users list by team, and keys by team or user, given names', async () => {
    const users = (await admin('GET', '/admin/users?team=paged-3')).body.data;
    assert.deepEqual(
      users.map((u: { name: string }) => u.name),
      ['pager-3'],
    );
    const keys = (await admin('GET', '/admin/keys?user=grace')).body.data;
    assert.deepEqual(
      keys.map((k: { name: string }) => k.name),
      ['rt-key-renamed'],
    );
    const refused = await admin('GET', '/admin/keys?team=serch');
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.param, 'team');
    assert.match(refused.body.error.message, /no team "serch"/);
  });
});

describe('the request log and usage', () => {
  let keyId: string;
  let teamId: string;
  const run = `contract-${process.pid}`;

  before(async () => {
    teamId = (await admin('POST', '/admin/teams', { name: 'search' })).body.id;
    const key = await admin('POST', '/admin/keys', { name: 'search-app', team: 'search' });
    keyId = key.body.id;
    for (const [i, model] of ['mock-fast', 'mock-smart', 'mock-fast'].entries())
      assert.equal((await chat(key.body.key, model, `${run}-${i}`)).status, 200);
    for (let i = 0; i < 200; i++) {
      const usage = (await admin('GET', `/admin/usage?team=${teamId}&bucket=none`)).body;
      if (usage.totals?.requests === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  test('team, key and user filters take names: the same events as by id', async () => {
    const byId = (await admin('GET', `/admin/logs?team=${teamId}&key=${keyId}`)).body.data;
    const byName = (await admin('GET', '/admin/logs?team=search&key=search-app')).body.data;
    assert.equal(byId.length, 3);
    assert.deepEqual(byName, byId);
    const usageById = (await admin('GET', `/admin/usage?team=${teamId}&by=model&bucket=none`)).body;
    const usageByName = (await admin('GET', '/admin/usage?team=search&by=model&bucket=none')).body;
    assert.equal(usageById.totals.requests, 3);
    assert.deepEqual(usageByName, usageById);
    for (const path of ['/admin/logs?team=serch', '/admin/usage?key=nothing', '/admin/logs?user=nobody']) {
      const res = await admin('GET', path);
      assert.equal(res.status, 400, path);
      assert.match(res.body.error.message, /no (team|key|user) "/);
    }
    // An id of a team that no longer exists still searches its history (none here).
    assert.deepEqual((await admin('GET', '/admin/logs?team=team_gone')).body.data, []);
  });

  test('events are views: ISO time, whole milliseconds, money without float noise', async () => {
    for (const event of (await admin('GET', '/admin/logs?team=search')).body.data) {
      assert.match(event.received_at, isoTime);
      assert.ok(Number.isInteger(event.duration_ms) && Number.isInteger(event.first_byte_ms));
      assert.equal(event.cost_usd, Number(event.cost_usd.toFixed(9)));
      assert.doesNotMatch(JSON.stringify(event), camelCase);
    }
  });

  test('usage rows page with a cursor; totals cover every page', async () => {
    const whole = (await admin('GET', '/admin/usage?team=search&by=model&bucket=none')).body;
    assert.equal(whole.data.length, 2);
    assert.equal(whole.next_cursor, null);
    const first = (await admin('GET', '/admin/usage?team=search&by=model&bucket=none&limit=1')).body;
    assert.equal(first.data.length, 1);
    assert.ok(first.next_cursor);
    assert.deepEqual(first.totals, whole.totals);
    const second = (
      await admin('GET', `/admin/usage?team=search&by=model&bucket=none&limit=1&cursor=${first.next_cursor}`)
    ).body;
    assert.equal(second.next_cursor, null);
    assert.deepEqual([...first.data, ...second.data], whole.data);
    assert.equal(whole.totals.cost_usd, Number(whole.totals.cost_usd.toFixed(9)));
  });
});

describe('/admin/openapi.json', () => {
  test('every route answers with a real schema: lists as the envelope, objects with their fields', async () => {
    const doc = (await admin('GET', '/admin/openapi.json')).body;
    let operations = 0;
    for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        operations++;
        const success = Object.entries<any>(op.responses).find(([status]) => /^[23]/.test(status));
        assert.ok(success, `${method} ${path}: no success answer`);
        // Signing out (204) and the OIDC redirects (302) answer without a body.
        if (success[0] === '204' || success[0] === '302') {
          assert.ok(
            path.startsWith('/admin/session'),
            `${method} ${path}: only session routes answer bodiless`,
          );
          continue;
        }
        const content = success[1].content['application/json'].schema;
        // The sign-in page's list of issuers is a plain array of objects.
        const schema = content.type === 'array' ? content.items : content;
        assert.ok(
          schema.type === 'object' && Object.keys(schema.properties ?? {}).length > 0,
          `${method} ${path}: ${JSON.stringify(schema)}`,
        );
        if ('data' in schema.properties && 'next_cursor' in schema.properties) {
          assert.equal(schema.properties.data.type, 'array');
          assert.ok(
            Object.keys(schema.properties.data.items.properties).length > 2,
            `${method} ${path} items`,
          );
        }
        if (path.includes('{')) assert.ok(op.responses['404'], `${method} ${path}: 404 documented`);
      }
    }
    assert.ok(operations >= 30, `${operations} operations`);
    const logs = doc.paths['/admin/logs'].get;
    assert.deepEqual(logs.parameters.map((p: { name: string }) => p.name).sort(), [
      'cursor',
      'experiment',
      'guardrail',
      'guardrail_action',
      'key',
      'kind',
      'limit',
      'min_cost',
      'model',
      'provider',
      'region',
      'request_id',
      'server',
      'since',
      'status',
      'tag',
      'team',
      'tool',
      'trace_id',
      'until',
      'user',
      'variant',
    ]);
    const event = logs.responses['200'].content['application/json'].schema.properties.data.items;
    assert.equal(event.properties.received_at.format, 'date-time');
    assert.equal(
      event.properties.duration_ms.anyOf?.[0]?.type ?? event.properties.duration_ms.type,
      'integer',
    );
    for (const method of ['get', 'patch', 'delete'])
      assert.ok(doc.paths['/admin/teams/{team}'][method], method);
  });
});
