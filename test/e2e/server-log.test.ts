// The gateway's own log, as an operator reads it: JSON lines with levels, an access line per
// request when asked, and one line for each failover, upstream error, shed request, request-log
// spill and replay, and admin change, all derived from records the gateway already publishes.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../src/config/index.ts';
import { type Gateway, startGateway } from '../../src/server/index.ts';
import { createLogger, parseLogLevel, prettyLine } from '../../src/telemetry/log.ts';
import { EventRecorder } from '../../src/telemetry/recorder.ts';
import { testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

interface Line {
  level: string;
  msg: string;
  event?: string;
  [field: string]: unknown;
}

let gateway: Gateway;
let upstream: MockUpstream;
const lines: Line[] = [];

before(async () => {
  upstream = await startOpenAIUpstream();
  gateway = await startGateway({
    config: parseConfig(
      {
        server: { max_in_flight: 1, access_log: true },
        providers: {
          mock: { type: 'mock' },
          slow: { type: 'mock', latency_ms: 400 },
          flaky: { type: 'openai-compatible', base_url: `${upstream.url}/v1`, api_key: 'sk-upstream' },
        },
        models: {
          'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
          slow: { targets: [{ provider: 'slow', model: 'slow' }] },
          resilient: {
            targets: [
              { provider: 'flaky', model: 'gpt-4.1-mini' },
              { provider: 'mock', model: 'mock-fast' },
            ],
          },
        },
      },
      'test config',
      {},
    ),
    masterKey: testMasterKey,
    databaseUrl: 'sqlite::memory:',
    port: 0,
    spillDir: mkdtempSync(join(tmpdir(), 'gatehouse-spill-')),
    logger: createLogger({ format: 'json', write: (json) => lines.push(JSON.parse(json) as Line) }),
  });
});
after(async () => {
  await gateway.stop(0);
  await upstream.close();
});

const call = (model: string, path = '/v1/chat/completions') =>
  fetch(gateway.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }] }),
  });
const linesOf = (event: string) => lines.filter((line) => line.event === event);

test('each request leaves an access line with its outcome, when the access log is on', async () => {
  const res = await call('mock-fast');
  assert.equal(res.status, 200);
  const id = res.headers.get('x-request-id');
  assert.ok(await until(() => linesOf('access').some((l) => l.request_id === id), 2_000));
  const line = linesOf('access').find((l) => l.request_id === id)!;
  assert.equal(line.level, 'info');
  assert.equal(line.status, 200);
  assert.equal(line.model, 'mock-fast');
  assert.equal(line.provider, 'mock');
  assert.match(line.msg, /^\/v1\/chat\/completions 200 mock-fast via mock \d+ms$/);
  assert.equal(typeof line.time, 'string');
});

test('a failover is one warning naming every attempt, and the upstream error has its own line', async () => {
  upstream.faults.push({
    kind: 'status',
    status: 500,
    body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
  });
  const res = await call('resilient');
  assert.equal(res.status, 200);
  assert.ok(await until(() => linesOf('failover').length > 0, 2_000));
  const failover = linesOf('failover')[0]!;
  assert.equal(failover.level, 'warn');
  assert.match(
    failover.msg,
    /^Failover for resilient: flaky\/gpt-4\.1-mini 502 GH_UPSTREAM_\w+ -> mock\/mock-fast 200$/,
  );
  const upstreamError = linesOf('upstream_error')[0]!;
  assert.equal(upstreamError.provider, 'flaky');
  assert.match(upstreamError.msg, /^Upstream flaky failed with GH_UPSTREAM_\w+$/);
  assert.ok(!JSON.stringify(lines).includes('sk-upstream'), 'no secret reaches the log');
});

test('a request shed with 503 leaves a warning', async () => {
  const slow = call('slow');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const shed = await call('mock-fast');
  assert.equal(shed.status, 503);
  assert.equal((await slow).status, 200);
  assert.ok(await until(() => linesOf('shed').length > 0, 2_000));
  assert.match(linesOf('shed')[0]!.msg, /^Shed a request with 503: the gateway is overloaded/);
});

test('an admin change is logged with who made it', async () => {
  const res = await fetch(`${gateway.url}/admin/teams`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'logged-team' }),
  });
  assert.equal(res.status, 201);
  const { id } = (await res.json()) as { id: string };
  assert.ok(await until(() => linesOf('config_change').some((l) => l.target_id === id), 2_000));
  const change = linesOf('config_change').find((l) => l.target_id === id)!;
  assert.equal(change.actor, 'master');
  assert.match(change.msg, /^Changed: team\.create team /);
});

test('the request log says when it spills to disk and when it replays', async () => {
  const logged: Line[] = [];
  const logger = createLogger({ format: 'json', write: (json) => logged.push(JSON.parse(json) as Line) });
  let failing = true;
  const recorder = new EventRecorder({
    sink: {
      async write() {
        if (failing) throw new Error('store down');
      },
    },
    spillFile: join(mkdtempSync(join(tmpdir(), 'gatehouse-spill-')), 'events.jsonl'),
    flushIntervalMs: 10_000,
    retryMs: 0,
    log: (line, level = 'info') => logger[level]({ component: 'request-log' }, line),
  });
  recorder.record({ request_id: 'r1' } as never);
  await recorder.flush();
  failing = false;
  recorder.record({ request_id: 'r2' } as never);
  await recorder.stop();
  assert.deepEqual(
    logged.map((l) => [l.level, l.msg.replace(/ to \S+$/, ' to FILE')]),
    [
      ['warn', 'request log: the store failed (store down); spilling to FILE'],
      ['info', 'request log: the store answers again'],
      ['info', 'request log: replayed 1 spilled events'],
    ],
  );
});

test('levels filter lines, a wrong level is refused, and a terminal gets one readable line', () => {
  const seen: string[] = [];
  const logger = createLogger({ level: parseLogLevel('WARN'), format: 'json', write: (l) => seen.push(l) });
  logger.info('hidden');
  logger.warn('shown');
  assert.equal(seen.length, 1);
  assert.match(seen[0]!, /"msg":"shown"/);
  assert.throws(
    () => parseLogLevel('loud'),
    /GATEHOUSE_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; it was "loud"\./,
  );
  assert.equal(
    prettyLine(
      JSON.stringify({
        level: 'warn',
        time: '2026-12-05T10:11:12.345Z',
        msg: 'Upstream flaky failed',
        provider: 'flaky',
        code: 'GH_UPSTREAM_5XX',
        event: 'upstream_error',
      }),
      false,
    ),
    '10:11:12.345 WARN  Upstream flaky failed code=GH_UPSTREAM_5XX',
  );
});
