// Past server.max_in_flight, model requests are shed at once with 503 and Retry-After, in the
// caller's error shape, while health checks and the admin API still answer.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({
    // One key makes every call here: its share is the whole gateway (the default would be half).
    server: { max_in_flight: 2, max_in_flight_per_key: 2 },
    providers: { slow: { type: 'mock', latency_ms: 400 } },
    models: { slow: { targets: [{ provider: 'slow', model: 'mock-fast' }] } },
  });
});
after(() => gateway.stop(0));

const call = (path: string, body: unknown) =>
  fetch(gateway.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('requests beyond the limit are shed fast with 503 and Retry-After', async () => {
  const admitted = [0, 1].map(() =>
    call('/v1/chat/completions', { model: 'slow', messages: [{ role: 'user', content: 'hi' }] }),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  const shed = await call('/v1/chat/completions', {
    model: 'slow',
    messages: [{ role: 'user', content: 'hi' }],
  });
  const shedMs = performance.now() - started;
  assert.equal(shed.status, 503);
  assert.equal(shed.headers.get('retry-after'), '1');
  const body = (await shed.json()) as { error: { code: string; type: string } };
  assert.equal(body.error.code, 'overloaded');
  const anthropic = await call('/v1/messages', {
    model: 'slow',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(anthropic.status, 503);
  assert.equal(((await anthropic.json()) as { type: string }).type, 'error');
  assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'health checks are never shed');
  const admitStatuses = await Promise.all(admitted.map(async (r) => (await r).status));
  assert.deepEqual(admitStatuses, [200, 200]);
  assert.ok(shedMs < 400, 'a shed request does not wait for a slot');
  const after = await call('/v1/chat/completions', {
    model: 'slow',
    messages: [{ role: 'user', content: 'hi' }],
  });
  assert.equal(after.status, 200, 'slots free up when requests finish');
});

test('while the event loop runs late, new model requests are shed until it catches up', async () => {
  const lagging = await startTestGateway({
    server: { max_event_loop_lag_ms: 100 },
    providers: { mock: { type: 'mock' } },
    models: { fast: { targets: [{ provider: 'mock', model: 'mock-fast' }] } },
  });
  try {
    const ask = () =>
      fetch(`${lagging.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      });
    assert.equal((await ask()).status, 200);
    // A request that arrives while the process is busy waits in its socket; the lag monitor sees
    // the stall before the request is read.
    const socket = connect(lagging.port, '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    const body = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${testMasterKey}\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    );
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // the process is out of CPU
    }
    await once(socket, 'close');
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.match(answer, /retry-after: 1/i);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await ask()).status, 200, 'once the loop catches up, requests are served again');
  } finally {
    await lagging.stop(0);
  }
});
