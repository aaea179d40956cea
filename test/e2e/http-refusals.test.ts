// What the HTTP layer refuses (431, 400 for broken chunking or Content-Length with Transfer-Encoding,
// 408 for headers or a body too slow) is answered like everything else: a JSON body in the caller's
// shape and an x-request-id. A caller that gives up mid-upload is a 499, not a 500 with a stack.
// Raw sockets, because no well-behaved client can send these requests.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { RequestEnded } from '../../src/core/lifecycle/index.ts';
import { type RequestRecord, requestRecords } from '../../src/pipeline/index.ts';
import type { Gateway } from '../../src/server/index.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';

const records: RequestRecord[] = [];
requestRecords.subscribe((event) => records.push((event as RequestEnded).record));

let gateway: Gateway;
const logged: string[] = [];
const consoleError = console.error;
before(async () => {
  console.error = (...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  };
  gateway = await startTestGateway({
    ...mockOnlyConfig,
    server: { headers_timeout_s: 1, body_timeout_s: 1 },
  });
});
after(async () => {
  console.error = consoleError;
  await gateway.stop(0);
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  /** The connection was closed by the gateway after the answer. */
  closed: boolean;
}

async function open(): Promise<Socket> {
  const socket = connect(gateway.port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Sends the bytes as they are and reads one answer; waits for the gateway to close the connection. */
async function raw(bytes: string, socket?: Socket): Promise<RawAnswer> {
  const s = socket ?? (await open());
  let text = '';
  s.setEncoding('latin1');
  s.on('data', (chunk: string) => (text += chunk));
  s.on('error', () => undefined);
  s.write(bytes);
  const closed = await Promise.race([
    once(s, 'close').then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
  ]);
  s.destroy();
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: body ? JSON.parse(body) : undefined,
    closed,
  };
}

const auth = `authorization: Bearer ${testMasterKey}\r\n`;

function assertOpenAIShape(answer: RawAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer));
  assert.match(answer.headers['x-request-id'] ?? '', /^[\w-]{20,}$/);
  assert.equal(answer.headers['content-type'], 'application/json');
  assert.equal(answer.body.error.code, code);
  assert.equal(typeof answer.body.error.message, 'string');
  assert.ok('param' in answer.body.error && 'type' in answer.body.error);
  assert.equal(answer.headers.connection?.toLowerCase(), 'close');
  assert.ok(answer.closed, 'the connection closes after the answer');
}

function assertAnthropicShape(answer: RawAnswer, status: number, type: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer));
  assert.equal(answer.body.type, 'error');
  assert.equal(answer.body.error.type, type);
  assert.equal(answer.body.request_id, answer.headers['x-request-id']);
  assert.ok(answer.closed, 'the connection closes after the answer');
}

const recordOf = async (requestId: string) => {
  assert.ok(
    await until(() => records.some((r) => r.requestId === requestId), 2_000),
    'the request is recorded',
  );
  return records.find((r) => r.requestId === requestId)!;
};

test('431: a header block over 32 KiB, in the OpenAI shape on OpenAI routes', async () => {
  const answer = await raw(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-pad: ${'a'.repeat(40_000)}\r\n\r\n`,
  );
  assertOpenAIShape(answer, 431, 'headers_too_large');
});

test('431: in the Anthropic shape on /v1/messages', async () => {
  const answer = await raw(`POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-pad: ${'a'.repeat(40_000)}\r\n\r\n`);
  assertAnthropicShape(answer, 431, 'request_too_large');
});

test('400: Content-Length together with Transfer-Encoding (request smuggling) is refused', async () => {
  const answer = await raw(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${auth}content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
  );
  assertOpenAIShape(answer, 400, 'malformed_http');
});

test('400: bytes that are not HTTP get an answer too', async () => {
  assertOpenAIShape(await raw('HELLO\r\n\r\n'), 400, 'malformed_http');
});

test('400: broken chunked encoding in the body is answered by the app, recorded, and closes the connection', async () => {
  const answer = await raw(
    `POST /v1/messages HTTP/1.1\r\nhost: x\r\n${auth}content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
  );
  assertAnthropicShape(answer, 400, 'invalid_request_error');
  assert.match(answer.body.error.message, /chunk/);
  const record = await recordOf(answer.headers['x-request-id']!);
  assert.equal(record.status, 400);
  assert.equal(record.errorCode, 'GH_MALFORMED_HTTP');
});

test('408: headers that do not finish within server.headers_timeout_s', async () => {
  const answer = await raw(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${auth}`);
  assertOpenAIShape(answer, 408, 'headers_timeout');
});

test('408: a body that does not finish within server.body_timeout_s is recorded as such', async () => {
  const answer = await raw(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${auth}content-type: application/json\r\ncontent-length: 100\r\n\r\n{"model":`,
  );
  assertOpenAIShape(answer, 408, 'body_timeout');
  const record = await recordOf(answer.headers['x-request-id']!);
  assert.equal(record.status, 408);
  assert.equal(record.errorCode, 'GH_BODY_TIMEOUT');
});

test('an upload the caller abandons is a 499 client abort, with no stack trace in the log', async () => {
  const socket = await open();
  const requestId = `upload-abort-${Date.now()}`;
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${auth}x-request-id: ${requestId}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":"mock-fast",`,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  const record = await recordOf(requestId);
  assert.equal(record.status, 499, JSON.stringify(record));
  assert.equal(record.errorCode, 'GH_CLIENT_CLOSED');
  assert.equal(record.clientAborted, true);
  assert.deepEqual(
    logged.filter((line) => line.includes(requestId) || / at /.test(line)),
    [],
    'nothing is logged for a caller that left',
  );
});

test('after all of it the gateway serves a good request', async () => {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
});
