// One tenant cannot starve the rest: a flood of connections from one key, each sending a partial
// body, takes at most that key's share of max_in_flight, and other keys are served all the while.
// Bodies being read hold a bounded number of bytes between them, and give them back afterwards.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';

const config = (server: Record<string, unknown>) => ({
  server,
  providers: { mock: { type: 'mock' } },
  models: { 'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] } },
});

/** A connection that sends its headers and the first bytes of a body it never finishes. */
interface PartialUpload {
  socket: Socket;
  /** What the gateway answered so far (nothing while it is still waiting for the body). */
  answer: string;
}

async function startPartialUpload(gateway: Gateway, key: string, declared: number, sent: number) {
  const socket = connect(gateway.port, '127.0.0.1');
  await once(socket, 'connect');
  const upload: PartialUpload = { socket, answer: '' };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (upload.answer += chunk));
  socket.on('error', () => undefined);
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\n` +
      `content-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`,
  );
  socket.write(`{"model":"mock-fast","messages":[],"pad":"${'x'.repeat(Math.max(0, sent - 40))}`);
  return upload;
}

async function createKey(gateway: Gateway, team: string): Promise<string> {
  const admin = (path: string, body: unknown) =>
    fetch(gateway.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (res) => (await res.json()) as { key: string });
  await admin('/admin/teams', { name: team });
  return (await admin('/admin/keys', { name: `${team}-key`, team })).key;
}

test("a flood of partial bodies from one key does not fail another tenant's calls", async () => {
  const gateway = await startTestGateway(config({ max_in_flight: 20, body_timeout_s: 120 }));
  const uploads: PartialUpload[] = [];
  try {
    const flooder = await createKey(gateway, 'flooder');
    const tenant = await createKey(gateway, 'tenant');
    for (let i = 0; i < 30; i++) uploads.push(await startPartialUpload(gateway, flooder, 10_000, 100));
    // Past its share (half of max_in_flight) the flooding key is refused at once, in its own shape.
    const refused = () => uploads.filter((u) => u.answer.startsWith('HTTP/1.1 429 ')).length;
    assert.ok(await until(() => refused() === 20, 5_000), `${refused()} of the 30 uploads were refused`);
    const sample = uploads.find((u) => u.answer.startsWith('HTTP/1.1 429 '))!.answer;
    assert.match(sample, /"code":"too_many_in_flight"/);
    assert.match(sample, /retry-after: 1/i);
    assert.match(sample, /x-request-id: /i);

    const client = new OpenAI({ apiKey: tenant, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        client.chat.completions.create({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
      ),
    );
    assert.equal(answers.length, 8, 'every call of the other tenant is served');
    assert.ok(answers.every((a) => a.choices[0]?.message.content));
  } finally {
    for (const u of uploads) u.socket.destroy();
    await gateway.stop(0);
  }
});

test('partial bodies hold a bounded number of bytes, are refused past it, and give them back', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const mib = 1024 * 1024;
  const gateway = await startTestGateway(
    config({
      max_body_bytes: mib,
      max_buffered_body_bytes: 4 * mib,
      max_in_flight: 1000,
      max_in_flight_per_key: 1000,
      body_timeout_s: 120,
    }),
  );
  const uploads: PartialUpload[] = [];
  try {
    const metric = async () => {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      return Number(/^gatehouse_buffered_body_bytes (\d+)/m.exec(text)?.[1]);
    };
    gc();
    const before = process.memoryUsage().arrayBuffers;
    // 16 uploads that each declare 1 MiB and send half of it: only 4 fit in 4 MiB.
    for (let i = 0; i < 16; i++) uploads.push(await startPartialUpload(gateway, testMasterKey, mib, mib / 2));
    const refused = () => uploads.filter((u) => u.answer.startsWith('HTTP/1.1 503 ')).length;
    assert.ok(await until(() => refused() === 12, 5_000), `${refused()} of the 16 uploads were refused`);
    const sample = uploads.find((u) => u.answer.startsWith('HTTP/1.1 503 '))!.answer;
    assert.match(sample, /"code":"body_buffer_full"/);
    assert.match(sample, /retry-after: 1/i);
    assert.equal(await metric(), 4 * mib, 'the four bodies being read hold their declared length');
    // The uploads' own send buffers (this process is also the client) drain in the background.
    let during = Infinity;
    for (let i = 0; i < 100 && during - before >= 5 * mib; i++) {
      gc();
      during = process.memoryUsage().arrayBuffers;
      if (during - before >= 5 * mib) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(during - before < 5 * mib, `bodies held ${(during - before) / mib} MiB while 16 were sent`);

    for (const u of uploads) u.socket.destroy();
    let held = await metric();
    for (let i = 0; i < 100 && held !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      held = await metric();
    }
    assert.equal(held, 0, 'every byte is given back once the uploads are gone');
    // The requests finish (and let go of their sockets) a moment after their bytes are given back;
    // memory that is truly retained never comes back, however long this waits.
    let afterwards = Infinity;
    for (let i = 0; i < 100 && afterwards - before >= 2 * mib; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
      afterwards = process.memoryUsage().arrayBuffers;
    }
    assert.ok(afterwards - before < 2 * mib, `${(afterwards - before) / mib} MiB stayed after the burst`);

    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200, 'new bodies are read again once the burst is gone');
  } finally {
    for (const u of uploads) u.socket.destroy();
    await gateway.stop(0);
  }
});
