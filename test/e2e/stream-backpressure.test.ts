// A caller that reads a stream slower than the upstream sends it must slow the upstream down, not
// grow the gateway's memory: the gateway stops reading the upstream while the caller's socket is
// full, and every event still arrives, once and in order.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const events = 100_000;
const text = 'x'.repeat(400);
const frame = (i: number) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bp',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content: `${i} ${text}` }, finish_reason: null }],
  })}\n\n`;

test('a caller that stops reading pauses the upstream, and then gets every event', async (t) => {
  let sent = 0;
  let finished = false;
  // The upstream writes as fast as its socket takes it: about 45 MB in all, several times what socket buffers hold.
  const upstream = createServer(async (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < events; i++) {
      sent++;
      if (!res.write(frame(i))) await once(res, 'drain');
    }
    res.end('data: [DONE]\n\n');
    finished = true;
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  t.after(() => upstream.closeAllConnections());
  t.after(() => upstream.close());
  const gateway = await startTestGateway({
    providers: {
      up: {
        type: 'openai-compatible',
        base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
      },
    },
    models: { m: { targets: [{ provider: 'up', model: 'm' }] } },
  });
  t.after(() => gateway.stop(0));

  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
    });
    req.on('response', resolve).on('error', reject);
    req.end(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
  });
  assert.equal(res.statusCode, 200);
  res.pause();
  // The caller reads nothing for a while: socket buffers fill, then the upstream must be held.
  await sleep(700);
  const sentWhilePaused = sent;
  await sleep(300);
  assert.equal(sent, sentWhilePaused, 'the upstream kept sending while the caller read nothing');
  assert.ok(!finished && sent < events / 2, `the upstream sent ${sent} of ${events} events unread`);

  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk;
  const contents = [...body.matchAll(/"content":"(\d+) x/g)].map((m) => Number(m[1]));
  assert.equal(contents.length, events);
  assert.ok(
    contents.every((n, i) => n === i),
    'events arrive once each, in order',
  );
  assert.ok(body.endsWith('data: [DONE]\n\n'));
});
