// OpenTelemetry traces: with telemetry.otlp_endpoint set, each model request is a SERVER span and each
// upstream attempt a CLIENT child span, exported as OTLP JSON on shutdown; a caller's traceparent is
// continued and every attempt sends its own span upstream as the parent. Without an endpoint nothing
// is added upstream.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { openaiExpected, startOpenAIUpstream } from '../upstreams/openai.ts';
import type { MockUpstream } from '../upstreams/server.ts';

// The gateway would otherwise pick the collector up from the environment.
delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  attributes?: Array<{ key: string; value: OtlpValue }>;
}

interface ExportBody {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  statusCode: number;
  attributes: Record<string, unknown>;
  service: unknown;
}

const SERVER = 2;
const CLIENT = 3;
const STATUS_ERROR = 2;

function plain(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

function attributeMap(list: Array<{ key: string; value: OtlpValue }> = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, plain(value)]));
}

/** A collector: keeps every OTLP/HTTP JSON body posted to /v1/traces. */
async function startCollector() {
  const bodies: ExportBody[] = [];
  const rawBodies: string[] = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (req.method === 'POST' && req.url === '/v1/traces') {
      assert.match(String(req.headers['content-type']), /application\/json/);
      rawBodies.push(text);
      bodies.push(JSON.parse(text) as ExportBody);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  open.push(async () => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rawBodies,
    spans(): Span[] {
      return bodies.flatMap((body) =>
        (body.resourceSpans ?? []).flatMap((rs) =>
          (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              statusCode: s.status?.code ?? 0,
              attributes: attributeMap(s.attributes),
              service: attributeMap(rs.resource?.attributes)['service.name'],
            })),
          ),
        ),
      );
    },
  };
}

async function upstream(): Promise<MockUpstream> {
  const up = await startOpenAIUpstream();
  open.push(() => up.close());
  return up;
}

async function gatewayWith(config: Record<string, unknown>, log?: (line: string) => void): Promise<Gateway> {
  const gateway = await startTestGateway({ routing: { backoff_base_ms: 10 }, ...config }, log ? { log } : {});
  open.push(() => gateway.stop(0));
  return gateway;
}

const openaiProvider = (up: MockUpstream) => ({
  type: 'openai',
  base_url: `${up.url}/v1`,
  api_key: 'sk-upstream-secret',
});

const incomingTrace = '0af7651916cd43dd8448eb211c80319c';
const incomingSpan = 'b7ad6b7169203331';
const prompt = 'Tell me about the zebra-cipher-71 project';

function client(gateway: Gateway, headers: Record<string, string> = {}) {
  return new OpenAI({
    baseURL: `${gateway.url}/v1`,
    apiKey: testMasterKey,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}

function parseTraceparent(value: unknown): { traceId: string; parentId: string; flags: string } {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(String(value));
  assert.ok(match, `not a traceparent: ${String(value)}`);
  return { traceId: match[1]!, parentId: match[2]!, flags: match[3]! };
}

/** The trace id the request log stored for the request (rows are written asynchronously). */
async function loggedTraceId(gateway: Gateway, requestId: string): Promise<string | null | undefined> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gateway.url}/admin/logs?request_id=${encodeURIComponent(requestId)}`, {
      headers: { authorization: `Bearer ${testMasterKey}` },
    });
    const rows = ((await res.json()) as { data: Array<{ trace_id?: string | null }> }).data;
    if (rows.length > 0) return rows[0]!.trace_id;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`no request log row for ${requestId}`);
}

function assertNoSecrets(collector: { rawBodies: string[] }): void {
  const exported = collector.rawBodies.join('\n');
  assert.ok(exported.length > 0, 'nothing was exported');
  assert.ok(!exported.includes('zebra-cipher-71'), 'the prompt text reached a span');
  assert.ok(!exported.includes(openaiExpected.text.slice(0, 20)), 'the answer text reached a span');
  assert.ok(!exported.includes('sk-upstream-secret'), 'the provider key reached a span');
  assert.ok(!exported.includes(testMasterKey), 'the caller key reached a span');
}

test('a traced call continues the caller trace, and the upstream sees the attempt span as parent', async () => {
  const collector = await startCollector();
  const up = await upstream();
  const gateway = await gatewayWith({
    providers: { openai: openaiProvider(up) },
    models: { smart: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
    telemetry: { otlp_endpoint: collector.url, service_name: 'gatehouse-test' },
  });
  const { data, response } = await client(gateway, {
    traceparent: `00-${incomingTrace}-${incomingSpan}-01`,
    tracestate: 'vendor=abc',
  })
    .chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: prompt }] })
    .withResponse();
  assert.equal(data.choices[0]!.message.content, openaiExpected.text);
  const requestId = response.headers.get('x-request-id');
  assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
  const logged = await loggedTraceId(gateway, requestId!);
  await gateway.stop();

  const spans = collector.spans();
  assert.equal(spans.length, 2, `spans: ${spans.map((s) => s.name).join(', ')}`);
  const request = spans.find((s) => s.kind === SERVER)!;
  const attempt = spans.find((s) => s.kind === CLIENT)!;
  assert.ok(request && attempt);

  assert.equal(request.name, 'chat smart');
  assert.equal(request.service, 'gatehouse-test');
  assert.equal(request.traceId, incomingTrace);
  assert.equal(request.parentSpanId, incomingSpan);
  assert.notEqual(request.statusCode, STATUS_ERROR);
  const usage = openaiExpected.textUsage;
  assert.deepEqual(
    {
      operation: request.attributes['gen_ai.operation.name'],
      system: request.attributes['gen_ai.system'],
      requestModel: request.attributes['gen_ai.request.model'],
      responseModel: request.attributes['gen_ai.response.model'],
      input: request.attributes['gen_ai.usage.input_tokens'],
      output: request.attributes['gen_ai.usage.output_tokens'],
      finish: request.attributes['gen_ai.response.finish_reasons'],
      status: request.attributes['http.response.status_code'],
      requestId: request.attributes['gatehouse.request_id'],
      stream: request.attributes['gatehouse.stream'],
      attempts: request.attributes['gatehouse.attempts'],
      cacheRead: request.attributes['gatehouse.cache_read_tokens'],
      reasoning: request.attributes['gatehouse.reasoning_tokens'],
      aborted: request.attributes['gatehouse.client_aborted'],
    },
    {
      operation: 'chat',
      system: 'openai',
      requestModel: 'smart',
      responseModel: 'gpt-4o-mini',
      input: usage.inputTokens,
      output: usage.outputTokens,
      finish: [openaiExpected.finishReasons.text],
      status: 200,
      requestId,
      stream: false,
      attempts: 1,
      cacheRead: usage.cacheReadTokens,
      reasoning: usage.reasoningTokens,
      aborted: false,
    },
  );
  assert.equal(typeof request.attributes['gatehouse.cost_usd'], 'number');
  assert.equal(request.attributes['error.type'], undefined);

  assert.equal(attempt.name, 'chat gpt-4o-mini');
  assert.equal(attempt.traceId, incomingTrace);
  assert.equal(attempt.parentSpanId, request.spanId);
  assert.equal(attempt.attributes['gen_ai.system'], 'openai');
  assert.equal(attempt.attributes['gen_ai.request.model'], 'gpt-4o-mini');
  assert.equal(attempt.attributes['gatehouse.provider'], 'openai');
  assert.equal(attempt.attributes['http.response.status_code'], 200);

  assert.equal(up.requests.length, 1);
  const sent = parseTraceparent(up.requests[0]!.headers.traceparent);
  assert.deepEqual(sent, { traceId: incomingTrace, parentId: attempt.spanId, flags: '01' });
  assert.equal(up.requests[0]!.headers.tracestate, 'vendor=abc');
  assertNoSecrets(collector);

  // The request log keeps the trace id beside the request.
  assert.equal(logged, incomingTrace);
});

test('failover: one attempt span per target, the failed one marked as an error', async () => {
  const collector = await startCollector();
  const [first, second] = [await upstream(), await upstream()];
  first!.faults.push({
    kind: 'status',
    status: 500,
    body: { error: { message: 'boom', type: 'server_error', param: null, code: null } },
  });
  const gateway = await gatewayWith({
    providers: { first: openaiProvider(first!), second: openaiProvider(second!) },
    models: {
      smart: {
        targets: [
          { provider: 'first', model: 'm1' },
          { provider: 'second', model: 'm2' },
        ],
      },
    },
    telemetry: { otlp_endpoint: `${collector.url}/` },
  });
  await client(gateway, { traceparent: `00-${incomingTrace}-${incomingSpan}-01` }).chat.completions.create({
    model: 'smart',
    messages: [{ role: 'user', content: prompt }],
  });
  await gateway.stop();

  const spans = collector.spans();
  const request = spans.find((s) => s.kind === SERVER)!;
  const attempts = spans.filter((s) => s.kind === CLIENT);
  assert.ok(request);
  assert.equal(request.service, 'gatehouse');
  assert.equal(request.attributes['gatehouse.attempts'], 2);
  assert.equal(request.attributes['gen_ai.response.model'], 'm2');
  assert.equal(request.attributes['http.response.status_code'], 200);
  assert.deepEqual(
    attempts
      .map((s) => ({
        name: s.name,
        parent: s.parentSpanId === request.spanId,
        provider: s.attributes['gatehouse.provider'],
        status: s.attributes['http.response.status_code'],
        error: s.attributes['error.type'],
        failed: s.statusCode === STATUS_ERROR,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    [
      {
        name: 'chat m1',
        parent: true,
        provider: 'first',
        status: 500,
        error: 'GH_UPSTREAM_ERROR',
        failed: true,
      },
      { name: 'chat m2', parent: true, provider: 'second', status: 200, error: undefined, failed: false },
    ],
  );
  // Each upstream saw its own attempt span as the parent.
  for (const [up, name] of [
    [first!, 'chat m1'],
    [second!, 'chat m2'],
  ] as const) {
    const sent = parseTraceparent(up.requests[0]!.headers.traceparent);
    assert.equal(sent.traceId, incomingTrace);
    assert.equal(sent.parentId, attempts.find((s) => s.name === name)!.spanId);
  }
  assertNoSecrets(collector);
});

test('a stream is traced with the same attributes; without a caller trace a new one starts', async () => {
  const collector = await startCollector();
  const up = await upstream();
  const gateway = await gatewayWith({
    providers: { openai: openaiProvider(up) },
    models: { smart: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
    telemetry: { otlp_endpoint: collector.url },
  });
  const stream = await client(gateway).chat.completions.create({
    model: 'smart',
    messages: [{ role: 'user', content: prompt }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, openaiExpected.streamText);
  await gateway.stop();

  const spans = collector.spans();
  const request = spans.find((s) => s.kind === SERVER)!;
  const attempt = spans.find((s) => s.kind === CLIENT)!;
  assert.ok(request && attempt);
  assert.equal(request.parentSpanId, '');
  assert.match(request.traceId, /^[0-9a-f]{32}$/);
  assert.equal(attempt.parentSpanId, request.spanId);
  const usage = openaiExpected.streamUsage.text;
  assert.equal(request.name, 'chat smart');
  assert.equal(request.attributes['gatehouse.stream'], true);
  assert.equal(request.attributes['gen_ai.usage.input_tokens'], usage.inputTokens);
  assert.equal(request.attributes['gen_ai.usage.output_tokens'], usage.outputTokens);
  assert.deepEqual(request.attributes['gen_ai.response.finish_reasons'], [openaiExpected.finishReasons.text]);
  assert.equal(request.attributes['gen_ai.system'], 'openai');
  const sent = parseTraceparent(up.requests[0]!.headers.traceparent);
  assert.deepEqual([sent.traceId, sent.parentId], [request.traceId, attempt.spanId]);
  assertNoSecrets(collector);
});

test('without an endpoint no trace context is sent upstream', async () => {
  const up = await upstream();
  const gateway = await gatewayWith({
    providers: { openai: openaiProvider(up) },
    models: { smart: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
  });
  await client(gateway, { traceparent: `00-${incomingTrace}-${incomingSpan}-01` }).chat.completions.create({
    model: 'smart',
    messages: [{ role: 'user', content: prompt }],
  });
  assert.equal(up.requests.length, 1);
  assert.equal(up.requests[0]!.headers.traceparent, undefined);
  assert.equal(up.requests[0]!.headers.tracestate, undefined);
});

test('a collector that is down costs the caller nothing and does not break the stop', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address() as AddressInfo;
  closed.close();
  const up = await upstream();
  const lines: string[] = [];
  const gateway = await gatewayWith(
    {
      providers: { openai: openaiProvider(up) },
      models: { smart: { targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] } },
      telemetry: { otlp_endpoint: `http://127.0.0.1:${port}` },
    },
    (line) => lines.push(line),
  );
  const data = await client(gateway).chat.completions.create({
    model: 'smart',
    messages: [{ role: 'user', content: prompt }],
  });
  assert.equal(data.choices[0]!.message.content, openaiExpected.text);
  await gateway.stop();
  assert.ok(
    lines.some((line) => line.startsWith('Tracing: ') && line.includes('not')),
    `no export failure was logged: ${lines.join(' | ')}`,
  );
  assert.ok(parseTraceparent(up.requests[0]!.headers.traceparent));
});
