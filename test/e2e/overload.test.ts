// Past server.max_in_flight, model requests are shed at once with 503 and Retry-After, in the
// caller's error shape, while health checks and the admin API still answer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({
    server: { max_in_flight: 2 },
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
