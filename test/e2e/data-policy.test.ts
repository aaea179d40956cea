// Per-team data policy end to end: what the request log keeps of bodies (off, metadata, or full text
// redacted first) and where that redacted text may go; how long events are kept; and data residency —
// a team pinned to a region is served only by that region's providers, and its events are stored
// only in that region's store.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ConfigError, parseConfig } from '../../src/config/index.ts';
import type { Gateway } from '../../src/server/index.ts';
import { openDatabase } from '../../src/store/index.ts';
import { EventStores } from '../../src/telemetry/event-stores.ts';
import { freshPostgres } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { serviceAddress, startTcpProxy } from '../helpers/tcp-proxy.ts';
import { sampleEvent } from '../helpers/events.ts';

// The gateway would otherwise pick a collector up from the environment.
delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

const freshDir = (name: string) => mkdtempSync(join(tmpdir(), `gatehouse-${name}-`));
let sequence = 0;
const requestId = (name: string) => `dp-${process.pid}-${++sequence}-${name}`;
const dayMs = 86_400_000;

// One positive sample of every redaction kind, from the tables in src/telemetry/redact.test.ts
// (the key is assembled from pieces there too, so secret scanners do not flag this file).
const samples = {
  email: 'ada@example.com',
  phone: '+44 20 7946 0958',
  card: '4111 1111 1111 1111',
  iban: 'DE89370400440532013000',
  ssn: '078-05-1120',
  nino: 'AB123456C',
  apiKey: 'sk-proj-' + 'Q2x9T7vLm3Kp8Zr4Wn6Yb1Hc5Jd0FsAe',
};
const markers = ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'NATIONAL_ID', 'SECRET'].map((k) => `[REDACTED:${k}]`);
/** Text around the samples that full mode must keep. */
const plainText = 'kiwi-marmalade-42';
// Short enough (< 200 characters) for the mock's answer to quote it whole.
const prompt = `${plainText}: ${Object.values(samples).join('; ')}; ok`;

const redactedSamples = ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'NATIONAL_ID', 'NATIONAL_ID', 'SECRET']
  .map((kind) => `[REDACTED:${kind}]`)
  .join('; ');

/** Samples found in `text`, as written or with their separators removed. */
function leaks(text: string): string[] {
  return Object.values(samples).filter(
    (sample) => text.includes(sample) || text.includes(sample.replace(/[ -]/g, '')),
  );
}

function assertRedacted(body: string | null, what: string): void {
  assert.ok(body, `${what}: nothing was logged`);
  assert.deepEqual(leaks(body), [], `${what} keeps raw samples: ${body}`);
  for (const marker of markers) assert.ok(body.includes(marker), `${what} lacks ${marker}: ${body}`);
  assert.ok(body.includes(plainText), `${what} lost the text around the samples: ${body}`);
}

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

async function call(
  gateway: Gateway,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(gateway.url + path, {
    method,
    headers: {
      authorization: `Bearer ${options.key ?? testMasterKey}`,
      'content-type': 'application/json',
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text, headers: res.headers };
}

async function admin(gateway: Gateway, method: string, path: string, body?: unknown): Promise<any> {
  const res = await call(gateway, method, path, { body });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

/** A team and one key of it. */
async function teamKey(
  gateway: Gateway,
  team: Record<string, unknown> & { name: string },
): Promise<{ key: string; keyId: string; teamId: string }> {
  const created = await admin(gateway, 'POST', '/admin/teams', team);
  const key = await admin(gateway, 'POST', '/admin/keys', { name: `${team.name}-app`, team: team.name });
  return { key: key.key, keyId: key.id, teamId: created.id };
}

/** A logged body as the JSON text the store keeps (the admin API shows it as JSON, never as a string). */
function bodyText(body: unknown): string | null {
  assert.ok(body === null || typeof body === 'object', `a body is JSON, not text: ${JSON.stringify(body)}`);
  return body === null ? null : JSON.stringify(body);
}

/**
 * The request's event (written off the request path: polled), with the raw JSON it came in; its
 * bodies are given back as text, for the redaction checks that read text.
 */
async function logged(gateway: Gateway, id: string, region?: string): Promise<{ row: any; raw: string }> {
  const query = `request_id=${encodeURIComponent(id)}${region ? `&region=${region}` : ''}`;
  for (let i = 0; i < 200; i++) {
    const page = await call(gateway, 'GET', `/admin/logs?${query}`);
    assert.equal(page.status, 200, page.text);
    if (page.body.data.length > 0) {
      assert.equal(page.body.data.length, 1, page.text);
      const row = page.body.data[0];
      return {
        row: { ...row, request_body: bodyText(row.request_body), response_body: bodyText(row.response_body) },
        raw: page.text,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`no event for ${id}${region ? ` in region ${region}` : ''}`);
}

/** An event of a request known to be logged elsewhere has had every chance to arrive by now. */
async function absent(gateway: Gateway, id: string, region?: string): Promise<void> {
  const query = `request_id=${encodeURIComponent(id)}${region ? `&region=${region}` : ''}`;
  const page = await call(gateway, 'GET', `/admin/logs?${query}`);
  assert.equal(page.status, 200, page.text);
  assert.deepEqual(page.body.data, [], `${id} is also in ${region ?? 'the default store'}`);
}

const chat = (gateway: Gateway, key: string, id: string, model = 'mock-fast', content = prompt) =>
  call(gateway, 'POST', '/v1/chat/completions', {
    key,
    headers: { 'x-request-id': id },
    body: { model, messages: [{ role: 'user', content }] },
  });

async function gatewayWith(
  config: Record<string, unknown>,
  options: Parameters<typeof startTestGateway>[1] = {},
): Promise<Gateway> {
  const gateway = await startTestGateway(config, options);
  open.push(() => gateway.stop(0));
  return gateway;
}

/** An OTLP/HTTP receiver keeping every exported body as sent. */
async function startCollector(): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    bodies.push(text);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  open.push(async () => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

/** Every file under `dir`, read as bytes (latin1 keeps ASCII text findable in binary files). */
function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files.set(name, readFileSync(path).toString('latin1'));
  }
  return files;
}

describe('body logging', () => {
  test('full keeps the text but no personal data or secret reaches the store, spill, trace or admin API', async () => {
    const dir = freshDir('bodies');
    const collector = await startCollector();
    const gateway = await startTestGateway(
      { ...mockOnlyConfig, telemetry: { otlp_endpoint: collector.url } },
      { databaseUrl: `sqlite:${join(dir, 'gatehouse.db')}`, spillDir: join(dir, 'spill') },
    );
    let stopped = false;
    open.push(async () => {
      if (!stopped) await gateway.stop(0);
    });
    const { key } = await teamKey(gateway, { name: 'support', log_bodies: 'full' });
    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const ids = {
      plain: requestId('plain'),
      stream: requestId('stream'),
      anthropic: requestId('anthropic'),
      embeddings: requestId('embeddings'),
    };
    const messages = [{ role: 'user' as const, content: prompt }];

    const plain = await openai.chat.completions.create(
      { model: 'mock-fast', messages },
      { headers: { 'x-request-id': ids.plain } },
    );
    // The caller's answer is not redacted, and quotes every sample: the logged answer carries them too.
    assert.deepEqual(leaks(plain.choices[0]!.message.content!), Object.values(samples));
    let streamed = '';
    const stream = await openai.chat.completions.create(
      { model: 'mock-fast', messages, stream: true },
      { headers: { 'x-request-id': ids.stream } },
    );
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    assert.equal(streamed, plain.choices[0]!.message.content);
    const anthropic = new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 });
    const message = await anthropic.messages.create(
      { model: 'mock-fast', max_tokens: 500, messages },
      { headers: { 'x-request-id': ids.anthropic } },
    );
    const answer = message.content[0]!;
    assert.ok(answer.type === 'text' && leaks(answer.text).length === Object.values(samples).length);
    await openai.embeddings.create(
      { model: 'mock-embed', input: prompt },
      { headers: { 'x-request-id': ids.embeddings } },
    );

    const adminJson: string[] = [];
    const rows: Record<string, any> = {};
    for (const [name, id] of Object.entries(ids)) {
      const { row, raw } = await logged(gateway, id);
      adminJson.push(raw);
      rows[name] = row;
      assertRedacted(row.request_body, `${name} request_body`);
      if (name !== 'embeddings') assertRedacted(row.response_body, `${name} response_body`);
    }
    // The caller's request is kept as sent, each sample replaced by its kind.
    assert.deepEqual(JSON.parse(rows.plain.request_body), {
      model: 'mock-fast',
      messages: [{ role: 'user', content: `${plainText}: ${redactedSamples}; ok` }],
    });
    // A stream and a plain call with the same answer log the same answer.
    assert.deepEqual(JSON.parse(rows.stream.response_body), JSON.parse(rows.plain.response_body));
    assert.deepEqual(leaks(adminJson.join('\n')), [], 'the admin API returned raw samples');

    await gateway.stop(0);
    stopped = true;
    const files = filesUnder(dir);
    assert.ok(files.has('gatehouse.db'), [...files.keys()].join(', '));
    for (const [name, bytes] of files) assert.deepEqual(leaks(bytes), [], `raw samples in ${name}`);
    // What was read is where the events are: the redacted text is there.
    const stored = [...files.values()].join('');
    assert.ok(stored.includes(plainText) && stored.includes('[REDACTED:IBAN]'));

    const exported = collector.bodies.join('\n');
    assert.ok(exported.includes(ids.plain), 'the requests were traced and exported');
    assert.deepEqual(leaks(exported), [], 'raw samples in the OTLP export');
  });

  test('a pinned team’s redacted bodies wait in the region’s own spill file while its store is down', async (t) => {
    const postgres = await freshPostgres();
    if (postgres.skip) return t.skip(postgres.skip);
    open.push(() => postgres.drop());
    const proxy = await startTcpProxy(serviceAddress(postgres.url!));
    open.push(() => proxy.close());
    const dir = freshDir('spill');
    const spillDir = join(dir, 'spill');
    const gateway = await gatewayWith(
      {
        regions: { eu: { database_url: proxy.proxied(postgres.url!) } },
        providers: { 'mock-eu': { type: 'mock', regions: ['eu'] } },
        models: { any: { targets: [{ provider: 'mock-eu', model: 'mock-fast' }] } },
      },
      { databaseUrl: `sqlite:${join(dir, 'gatehouse.db')}`, spillDir },
    );
    const { key } = await teamKey(gateway, { name: 'eu-support', region: 'eu', log_bodies: 'full' });
    proxy.cut();
    const id = requestId('spilled');
    assert.equal((await chat(gateway, key, id, 'any')).status, 200);

    const spillFile = join(spillDir, 'request-events.eu.jsonl');
    let spilled = '';
    for (let i = 0; i < 200 && !spilled.includes(id); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      spilled = existsSync(spillFile) ? readFileSync(spillFile, 'utf8') : '';
    }
    assert.ok(spilled.includes(id), `no spilled event in ${spillFile}`);
    const event = JSON.parse(spilled.split('\n').find((line) => line.includes(id))!);
    assert.equal(event.region, 'eu');
    assertRedacted(event.request_body, 'spilled request_body');
    assertRedacted(event.response_body, 'spilled response_body');
    for (const [name, bytes] of filesUnder(spillDir)) {
      assert.deepEqual(leaks(bytes), [], `raw samples in ${name}`);
      assert.ok(!bytes.includes(id) || name.startsWith('request-events.eu.'), `${id} spilled to ${name}`);
    }

    proxy.restore();
    const { row } = await logged(gateway, id, 'eu');
    assertRedacted(row.request_body, 'replayed request_body');
    await absent(gateway, id);
  });

  test('the key overrides the team, which overrides the configuration; changes apply at once', async () => {
    const gateway = await gatewayWith(mockOnlyConfig);
    const bodiesOf = async (key: string) => {
      const id = requestId('mode');
      assert.equal((await chat(gateway, key, id)).status, 200);
      const { row } = await logged(gateway, id);
      return { request: row.request_body as string | null, response: row.response_body as string | null };
    };
    const shape = {
      messages: 1,
      roles: { user: 1 },
      parts: 1,
      system: false,
      stream: false,
    };

    // Neither key nor team says: the configuration's default, metadata — the shape, no text.
    const plain = await teamKey(gateway, { name: 'plain' });
    const byDefault = await bodiesOf(plain.key);
    assert.deepEqual(JSON.parse(byDefault.request!), shape);
    assert.deepEqual(Object.keys(JSON.parse(byDefault.response!)).sort(), [
      'finish_reason',
      'output_chars',
      'tool_calls',
    ]);
    assert.ok(!`${byDefault.request}${byDefault.response}`.includes(plainText));

    // A full team: its keys log text, unless the key says otherwise.
    const loud = await teamKey(gateway, { name: 'loud', log_bodies: 'full' });
    assertRedacted((await bodiesOf(loud.key)).request, 'full team');
    const off = await admin(gateway, 'POST', '/admin/keys', { name: 'off', team: 'loud', log_bodies: 'off' });
    assert.equal(off.log_bodies, 'off');
    assert.deepEqual(await bodiesOf(off.key), { request: null, response: null });
    const meta = await admin(gateway, 'POST', '/admin/keys', {
      name: 'meta',
      team: 'loud',
      log_bodies: 'metadata',
    });
    const metaBodies = await bodiesOf(meta.key);
    assert.deepEqual(JSON.parse(metaBodies.request!), shape);
    assert.ok(!`${metaBodies.request}${metaBodies.response}`.includes(plainText));
    // Clearing the key's own setting hands it back to its team.
    await admin(gateway, 'PATCH', `/admin/keys/${off.id}`, { log_bodies: null });
    assertRedacted((await bodiesOf(off.key)).request, 'key following its team again');

    // A team switched from metadata to full: the very next call logs text.
    const switching = await teamKey(gateway, { name: 'switching', log_bodies: 'metadata' });
    assert.deepEqual(JSON.parse((await bodiesOf(switching.key)).request!), shape);
    const team = await admin(gateway, 'PATCH', `/admin/teams/${switching.teamId}`, {
      log_bodies: 'full',
      retention_days: 30,
    });
    assert.deepEqual([team.log_bodies, team.retention_days, team.region], ['full', 30, null]);
    assertRedacted((await bodiesOf(switching.key)).request, 'after the switch');
    const shown = await admin(gateway, 'GET', `/admin/teams/${switching.teamId}`);
    assert.deepEqual([shown.log_bodies, shown.retention_days], ['full', 30]);
    const bad = await call(gateway, 'PATCH', `/admin/teams/${switching.teamId}`, {
      body: { log_bodies: 'everything' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'log_bodies');
  });

  test('the configured default applies to callers without a setting, and a team overrides it', async () => {
    const gateway = await gatewayWith({ ...mockOnlyConfig, logging: { bodies: 'off' } });
    const id = requestId('master');
    assert.equal((await chat(gateway, testMasterKey, id)).status, 200);
    const { row } = await logged(gateway, id);
    assert.deepEqual([row.request_body, row.response_body], [null, null]);

    const full = await teamKey(gateway, { name: 'full', log_bodies: 'full' });
    const fullId = requestId('full');
    assert.equal((await chat(gateway, full.key, fullId)).status, 200);
    assertRedacted((await logged(gateway, fullId)).row.response_body, 'team over configuration');
  });
});

describe('retention', () => {
  test('events past their team’s days, or the configured default, are deleted; rollups stay', async () => {
    const dir = freshDir('retention');
    const databaseUrl = `sqlite:${join(dir, 'gatehouse.db')}`;
    const euUrl = `sqlite:${join(dir, 'eu.db')}`;
    const gateway = await startTestGateway(
      {
        ...mockOnlyConfig,
        regions: { eu: { database_url: euUrl } },
        providers: { mock: { type: 'mock', regions: ['eu'] } },
      },
      { databaseUrl, spillDir: join(dir, 'spill') },
    );
    const teams = {
      short: await teamKey(gateway, { name: 'short', retention_days: 1 }),
      long: await teamKey(gateway, { name: 'long', retention_days: 10 }),
      plain: await teamKey(gateway, { name: 'plain' }),
      eu: await teamKey(gateway, { name: 'eu-short', retention_days: 1, region: 'eu' }),
    };
    const ids: Record<string, string> = {};
    for (const [name, { key }] of Object.entries(teams)) {
      ids[name] = requestId(name);
      assert.equal((await chat(gateway, key, ids[name]!, 'mock-fast', 'hello')).status, 200);
    }
    ids.master = requestId('master');
    assert.equal((await chat(gateway, testMasterKey, ids.master, 'mock-fast', 'hello')).status, 200);
    for (const [name, id] of Object.entries(ids)) await logged(gateway, id, name === 'eu' ? 'eu' : undefined);
    await gateway.stop(0);

    // The same files the gateway wrote; SQLite lets the stores below open them beside these.
    const database = await openDatabase(databaseUrl);
    const eu = await openDatabase(euUrl);
    open.push(async () => {
      await database.close();
      await eu.close();
    });
    const stores = [database, eu];
    const remaining = async () => {
      const left = new Set<string>();
      for (const { db } of stores)
        for (const { request_id } of await db.selectFrom('request_events').select('request_id').execute())
          left.add(request_id);
      return Object.keys(ids).filter((name) => left.has(ids[name]!));
    };
    const rolledUp = async () => {
      let requests = 0;
      for (const { db } of stores)
        for (const row of await db.selectFrom('usage_hourly').select('requests').execute())
          requests += Number(row.requests);
      return requests;
    };
    assert.equal(await rolledUp(), 5);

    // A backlog of a month-old events, larger than one deletion chunk (5 000).
    const now = Date.now();
    const backlog = Array.from({ length: 10_001 }, (_, i) => ({
      ...oldEvent(`backlog-${i}`, now - 30 * dayMs),
      team_id: teams.short.teamId,
    }));
    for (let i = 0; i < backlog.length; i += 200)
      await database.db
        .insertInto('request_events')
        .values(backlog.slice(i, i + 200))
        .execute();

    const storesWith = (retentionDays?: number) =>
      EventStores.open({
        database,
        // The region's store is opened (and closed) by the stores, as in a gateway.
        regions: { eu: { database_url: euUrl } },
        spillDir: join(dir, 'spill'),
        logging: {
          bodies: 'metadata',
          retention_check_minutes: 60,
          ...(retentionDays === undefined ? {} : { retention_days: retentionDays }),
        },
        log: () => {},
      });

    const keeping = await storesWith();
    try {
      assert.equal(await keeping.enforceRetention(now + 0.5 * dayMs), backlog.length, 'only the backlog');
      assert.deepEqual(await remaining(), Object.keys(ids), 'nothing of today is a day old yet');
      // Without a configured default, only teams with their own days lose events (also in the region).
      assert.equal(await keeping.enforceRetention(now + 2 * dayMs), 2);
      assert.deepEqual(await remaining(), ['long', 'plain', 'master']);
      assert.equal(await keeping.enforceRetention(now + 365 * dayMs), 1);
      assert.deepEqual(await remaining(), ['plain', 'master'], 'with no default, the rest is kept');
    } finally {
      await keeping.stop();
    }

    const defaulting = await storesWith(3);
    try {
      assert.equal(await defaulting.enforceRetention(now + 2 * dayMs), 0, 'within the default 3 days');
      assert.equal(await defaulting.enforceRetention(now + 4 * dayMs), 2);
    } finally {
      await defaulting.stop();
    }
    assert.deepEqual(await remaining(), []);
    assert.equal(await rolledUp(), 5, 'rollups hold no personal data and stay');
  });
});

const regionStores: Array<{ name: string; url: () => Promise<{ url?: string; skip?: string }> }> = [
  { name: 'SQLite', url: async () => ({ url: `sqlite:${join(freshDir('eu'), 'eu.db')}` }) },
  {
    name: 'PostgreSQL',
    url: async () => {
      const postgres = await freshPostgres();
      if (postgres.url) open.push(() => postgres.drop());
      return postgres.url ? { url: postgres.url } : { skip: postgres.skip! };
    },
  },
];

for (const store of regionStores) {
  describe(`data residency, region store on ${store.name}`, () => {
    async function residencyGateway() {
      const eu = await store.url();
      if (!eu.url) return { skip: eu.skip };
      const dir = freshDir('residency');
      const gateway = await gatewayWith(
        {
          regions: { eu: { database_url: eu.url } },
          providers: { mock: { type: 'mock' }, 'mock-eu': { type: 'mock', regions: ['eu'] } },
          models: {
            any: {
              targets: [
                { provider: 'mock', model: 'mock-fast' },
                { provider: 'mock-eu', model: 'mock-fast' },
              ],
            },
            'us-only': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
          },
        },
        { databaseUrl: `sqlite:${join(dir, 'gatehouse.db')}`, spillDir: join(dir, 'spill') },
      );
      return { gateway };
    }

    test('a pinned team uses only its region’s providers and its events stay in its store', async (t) => {
      const { gateway, skip } = await residencyGateway();
      if (!gateway) return t.skip(skip);
      const euTeam = await teamKey(gateway, { name: 'eu-team', region: 'eu' });
      const usTeam = await teamKey(gateway, { name: 'us-team' });
      assert.equal((await admin(gateway, 'GET', `/admin/teams/${euTeam.teamId}`)).region, 'eu');

      const served = requestId('eu-served');
      const ok = await chat(gateway, euTeam.key, served, 'any');
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('x-gatehouse-provider'), 'mock-eu', 'the untagged first target is skipped');
      const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: euTeam.key, maxRetries: 0 });
      const streamed = requestId('eu-stream');
      const { response } = await openai.chat.completions
        .create(
          { model: 'any', messages: [{ role: 'user', content: 'hi' }], stream: true },
          { headers: { 'x-request-id': streamed } },
        )
        .withResponse();
      assert.equal(response.headers.get('x-gatehouse-provider'), 'mock-eu');

      const refused = requestId('eu-refused');
      const openaiShape = await chat(gateway, euTeam.key, refused, 'us-only');
      assert.equal(openaiShape.status, 403);
      assert.equal(openaiShape.body.error.code, 'region_not_allowed');
      assert.equal(openaiShape.body.error.type, 'permission_error');
      assert.match(openaiShape.body.error.message, /"eu"/);
      const refusedAnthropic = requestId('eu-refused-anthropic');
      const anthropicShape = await call(gateway, 'POST', '/v1/messages', {
        key: euTeam.key,
        headers: { 'x-request-id': refusedAnthropic, 'anthropic-version': '2023-06-01' },
        body: { model: 'us-only', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      });
      assert.equal(anthropicShape.status, 403);
      assert.equal(anthropicShape.body.type, 'error');
      assert.equal(anthropicShape.body.error.type, 'permission_error');
      assert.match(anthropicShape.body.error.message, /data-residency region "eu"/);
      // Naming a provider directly does not get around the pin either.
      assert.equal((await chat(gateway, euTeam.key, requestId('direct'), 'mock/mock-fast')).status, 403);

      const usServed = requestId('us-served');
      const us = await chat(gateway, usTeam.key, usServed, 'us-only');
      assert.equal(us.status, 200);
      assert.equal(us.headers.get('x-gatehouse-provider'), 'mock');

      for (const id of [served, streamed, refused, refusedAnthropic]) {
        const { row } = await logged(gateway, id, 'eu');
        assert.equal(row.region, 'eu');
        assert.equal(row.team_id, euTeam.teamId);
      }
      assert.equal((await logged(gateway, refused, 'eu')).row.error_code, 'GH_REGION_NOT_ALLOWED');
      assert.equal((await logged(gateway, usServed)).row.team_id, usTeam.teamId);
      // Each event is in one store only; by now the others have been written too.
      for (const id of [served, streamed, refused, refusedAnthropic]) await absent(gateway, id);
      // A later event of the pinned team, once stored, shows the region's queue has passed usServed.
      const last = requestId('eu-last');
      assert.equal((await chat(gateway, euTeam.key, last, 'any')).status, 200);
      await logged(gateway, last, 'eu');
      await absent(gateway, usServed, 'eu');

      const usage = await admin(gateway, 'GET', '/admin/usage?region=eu&by=team&bucket=none');
      assert.deepEqual(
        usage.data.map((row: any) => [row.team_id, row.team_name, row.requests]),
        [[euTeam.teamId, 'eu-team', 6]],
      );
      const defaultUsage = await admin(gateway, 'GET', '/admin/usage?by=team&bucket=none');
      assert.ok(!defaultUsage.data.some((row: any) => row.team_id === euTeam.teamId));
    });

    test('regions the configuration does not declare are refused', async (t) => {
      const { gateway, skip } = await residencyGateway();
      if (!gateway) return t.skip(skip);
      const created = await call(gateway, 'POST', '/admin/teams', { body: { name: 'm', region: 'mars' } });
      assert.equal(created.status, 400);
      assert.equal(created.body.error.param, 'region');
      assert.match(created.body.error.message, /"mars"/);
      const team = await teamKey(gateway, { name: 'earthling' });
      const moved = await call(gateway, 'PATCH', `/admin/teams/${team.teamId}`, { body: { region: 'mars' } });
      assert.equal(moved.status, 400);
      assert.equal(moved.body.error.param, 'region');
      for (const path of [
        '/admin/logs?region=mars',
        '/admin/usage?region=mars',
        '/admin/experiments?region=mars',
      ]) {
        const res = await call(gateway, 'GET', path);
        assert.equal(res.status, 400, path);
        assert.equal(res.body.error.param, 'region');
      }
      // Pinning an existing team moves its later calls: the cached key sees it at once.
      assert.equal((await chat(gateway, team.key, requestId('before'), 'us-only')).status, 200);
      await admin(gateway, 'PATCH', `/admin/teams/${team.teamId}`, { region: 'eu' });
      assert.equal((await chat(gateway, team.key, requestId('after'), 'us-only')).status, 403);
    });
  });
}

test('a provider tagged with an undeclared region fails validation, naming it', () => {
  const config = (regions: Record<string, unknown>) => ({
    regions,
    providers: { 'mock-eu': { type: 'mock', regions: ['eu-west'] } },
  });
  assert.throws(
    () => parseConfig(config({}), 'test config', {}),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems.some((p) => p.includes('providers.mock-eu.regions') && p.includes('"eu-west"')),
  );
  assert.doesNotThrow(() =>
    parseConfig(config({ 'eu-west': { database_url: 'sqlite::memory:' } }), 'ok', {}),
  );
});

/** A stored event with every column, as the gateway writes one. */
function oldEvent(id: string, receivedAt: number) {
  return sampleEvent(id, {
    received_at: receivedAt,
    duration_ms: 10,
    first_byte_ms: 5,
    model: 'mock-fast',
    provider: 'mock',
    provider_model: 'mock-fast',
    cost_usd: 0,
  });
}
