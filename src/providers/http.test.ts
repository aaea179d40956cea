import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatehouseError } from '../core/errors/index.ts';
import { HttpClient } from './http.ts';
import type { CallOptions } from './types.ts';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function options(firstByteMs: number, signal = new AbortController().signal): CallOptions {
  return { signal, timeouts: { connectMs: 1000, firstByteMs, totalMs: 10_000 }, requestId: 'r1' };
}

const isCode = (code: string, message: RegExp) => (err: GatehouseError) =>
  err instanceof GatehouseError && err.code === code && message.test(err.message);

test('an answer that never starts is a first-byte timeout', async (t) => {
  const { url, server } = await serve(() => {});
  t.after(() => server.close());
  const client = new HttpClient();
  t.after(() => client.close());
  await assert.rejects(
    client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(100) }),
    isCode('GH_UPSTREAM_TIMEOUT', /first-byte timeout/),
  );
});

test('a body that stalls between chunks is a stall timeout, for JSON and streams alike', async (t) => {
  const { url, server } = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":');
  });
  t.after(() => server.close());
  const client = new HttpClient();
  t.after(() => client.close());
  const json = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(150) });
  await assert.rejects(json.json(), isCode('GH_UPSTREAM_TIMEOUT', /stalled/));
  const stream = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(150) });
  await assert.rejects(
    async () => {
      for await (const _chunk of stream.body) {
        // the first chunk arrives; the stall follows
      }
    },
    isCode('GH_UPSTREAM_TIMEOUT', /stalled/),
  );
});

test('a pooled connection keeps no timeout of the request that used it before', async (t) => {
  const sockets = new Set<unknown>();
  const { url, server } = await serve((req, res) => {
    sockets.add(req.socket);
    res.end('{"ok":true}');
  });
  t.after(() => server.close());
  const client = new HttpClient();
  t.after(() => client.close());
  const first = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(100) });
  assert.deepEqual(await first.json(), { ok: true });
  // Idle in the pool for longer than the first request's first-byte timeout.
  await sleep(250);
  const second = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(5000) });
  assert.deepEqual(await second.json(), { ok: true });
  assert.equal(sockets.size, 1, 'both requests used one kept-alive connection');
});

test('aborting the signal ends the request with its reason, before or after the headers', async (t) => {
  const { url, server } = await serve((req, res) => {
    if (req.url === '/late') return;
    res.writeHead(200);
    res.write('{');
  });
  t.after(() => server.close());
  const client = new HttpClient();
  t.after(() => client.close());
  const gone = new GatehouseError('GH_CLIENT_CLOSED', 'gone');

  const before = new AbortController();
  const pending = client.send({
    provider: 'p',
    url: `${url}/late`,
    headers: {},
    opts: options(5000, before.signal),
  });
  setTimeout(() => before.abort(gone), 50);
  await assert.rejects(pending, (err) => err === gone);

  const after = new AbortController();
  const res = await client.send({ provider: 'p', url, headers: {}, opts: options(5000, after.signal) });
  setTimeout(() => after.abort(gone), 50);
  await assert.rejects(res.text(), (err) => err === gone);

  const already = new AbortController();
  already.abort(gone);
  await assert.rejects(
    client.send({ provider: 'p', url, headers: {}, opts: options(5000, already.signal) }),
    (err) => err === gone,
  );
});

test('aborting a request still waiting for a pooled connection ends it at once', async (t) => {
  const { url, server } = await serve(() => {}); // never answers: the one connection stays busy
  t.after(() => server.close());
  const client = new HttpClient({ connectionsPerOrigin: 1 });
  t.after(() => client.close());
  const gone = new GatehouseError('GH_CLIENT_CLOSED', 'gone');
  const busy = new AbortController();
  const first = client.send({ provider: 'p', url, headers: {}, opts: options(5000, busy.signal) });
  first.catch(() => {});
  const queued = new AbortController();
  const second = client.send({ provider: 'p', url, headers: {}, opts: options(5000, queued.signal) });
  setTimeout(() => queued.abort(gone), 50);
  const outcome = await Promise.race([
    second.then(
      () => 'answered',
      (err: unknown) => (err === gone ? 'aborted' : 'other failure'),
    ),
    sleep(1000).then(() => 'still waiting'),
  ]);
  assert.equal(outcome, 'aborted');
  busy.abort(gone);
});

test('an origin that refuses connections is unreachable, in the provider’s name', async (t) => {
  const { url, server } = await serve(() => {});
  server.close();
  await once(server, 'close');
  const client = new HttpClient();
  t.after(() => client.close());
  await assert.rejects(
    client.send({ provider: 'acme', url, headers: {}, opts: options(1000) }),
    isCode('GH_UPSTREAM_UNREACHABLE', /^acme: .*ECONNREFUSED/),
  );
});

test('a reader that stops reading holds the upstream back instead of buffering its answer', async (t) => {
  const total = 64 * 1024 * 1024;
  let sent = 0;
  const { url, server } = await serve(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    const piece = Buffer.alloc(64 * 1024, 1);
    while (sent < total) {
      sent += piece.byteLength;
      if (!res.write(piece)) await once(res, 'drain');
    }
    res.end();
  });
  t.after(() => server.close());
  const client = new HttpClient();
  t.after(() => client.close());
  const res = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(5000) });
  const reader = res.body[Symbol.asyncIterator]();
  let received = (await reader.next()).value!.byteLength;
  await sleep(300);
  // What the upstream got out is the gateway's 64 KB plus the kernel's socket buffers, not 64 MB.
  assert.ok(sent < total / 4, `the upstream sent ${sent} bytes to a reader that read one chunk`);
  for (let step = await reader.next(); !step.done; step = await reader.next())
    received += step.value.byteLength;
  assert.equal(received, total);
});

test('a connection cut mid-body: the chunks before the cut are read, then the failure', async (t) => {
  const { url, server } = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 });
    res.write('first part', () => setTimeout(() => res.socket?.destroy(), 50));
  });
  t.after(() => server.close());
  const client = new HttpClient();
  t.after(() => client.close());
  const stream = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(5000) });
  const seen: string[] = [];
  await assert.rejects(
    async () => {
      for await (const chunk of stream.body) seen.push(Buffer.from(chunk).toString());
    },
    isCode('GH_UPSTREAM_UNREACHABLE', /^p: /),
  );
  assert.deepEqual(seen, ['first part']);
  const whole = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(5000) });
  await assert.rejects(whole.text(), isCode('GH_UPSTREAM_UNREACHABLE', /^p: /));
});

test('credentials in the URL are sent as basic auth, unless the request has its own', async (t) => {
  const seen: (string | undefined)[] = [];
  const { url, server } = await serve((req, res) => {
    seen.push(req.headers.authorization);
    res.end('{}');
  });
  t.after(() => server.close());
  const client = new HttpClient();
  t.after(() => client.close());
  const withCredentials = url.replace('http://', 'http://us%40er:p%3Ass@');
  await (await client.send({ provider: 'p', url: withCredentials, headers: {}, opts: options(1000) })).text();
  const own = { authorization: 'Bearer k' };
  await (
    await client.send({ provider: 'p', url: withCredentials, headers: own, opts: options(1000) })
  ).text();
  assert.deepEqual(seen, [`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`, 'Bearer k']);
});

test('a reader that stops early lets the rest drain, and the connection is used again', async (t) => {
  const sockets = new Set<unknown>();
  let firstSent!: () => void;
  const sent = new Promise<void>((resolve) => {
    firstSent = resolve;
  });
  const { url, server } = await serve((req, res) => {
    sockets.add(req.socket);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < 200; i++) res.write(`data: ${'x'.repeat(1000)}\n\n`);
    res.end(firstSent);
  });
  t.after(() => server.close());
  const client = new HttpClient();
  t.after(() => client.close());
  const first = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(5000) });
  for await (const _chunk of first.body) break;
  // The rest of the first answer reaches the client's socket and is read there, not kept.
  await sent;
  await sleep(100);
  const second = await client.send({ provider: 'p', url, headers: {}, body: '{}', opts: options(5000) });
  let bytes = 0;
  for await (const chunk of second.body) bytes += chunk.byteLength;
  assert.equal(bytes, 200 * 1008);
  assert.equal(sockets.size, 1, 'the abandoned answer drained and its connection served the next call');
});
