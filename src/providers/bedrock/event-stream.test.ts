import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../../core/errors/index.ts';
import { fixtureBytes, fixtureText } from '../../../test/fixtures/index.ts';
import { type EventFrame, eventStreamBatches, eventStreamFrames } from './event-stream.ts';

const streams = ['stream-text', 'stream-tools', 'stream-reasoning', 'stream-error'];

async function* pieces(bytes: Buffer, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function decode(bytes: Buffer, size: number) {
  const frames = [];
  for await (const frame of eventStreamFrames(pieces(bytes, size))) {
    frames.push({ headers: frame.headers, payload: JSON.parse(Buffer.from(frame.payload).toString('utf8')) });
  }
  return frames;
}

for (const name of streams) {
  test(`${name}.eventstream.bin decodes to its .events.jsonl, whatever the chunk size`, async () => {
    const expected = fixtureText('bedrock-converse', `${name}.events.jsonl`)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const bytes = fixtureBytes('bedrock-converse', `${name}.eventstream.bin`);
    for (const size of [1, 7, bytes.length])
      assert.deepEqual(await decode(bytes, size), expected, `chunks of ${size}`);
  });
}

test('a corrupted checksum or a truncated stream is a protocol error', async () => {
  const bytes = Buffer.from(fixtureBytes('bedrock-converse', 'stream-text.eventstream.bin'));
  const corrupt = Buffer.from(bytes);
  corrupt[20]! ^= 0xff;
  await assert.rejects(
    decode(corrupt, 64),
    (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL' && /checksum/.test(err.message),
  );
  await assert.rejects(decode(bytes.subarray(0, bytes.length - 5), 64), (err: GatehouseError) =>
    /middle of a frame/.test(err.message),
  );
  const huge = Buffer.from(bytes);
  huge.writeUInt32BE(0x7fffffff, 0);
  await assert.rejects(decode(huge, 64), (err: GatehouseError) => err.code === 'GH_UPSTREAM_PROTOCOL');
});

test('a read of many frames is one batch; a bad frame comes after the good ones before it', async () => {
  const bytes = Buffer.from(fixtureBytes('bedrock-converse', 'stream-text.eventstream.bin'));
  const expected = fixtureText('bedrock-converse', 'stream-text.events.jsonl').trim().split('\n');
  const batches: EventFrame[][] = [];
  for await (const batch of eventStreamBatches(pieces(bytes, bytes.length))) batches.push(batch);
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.length, expected.length);

  // Spoil the last frame's checksum: every frame before it still arrives, then the error.
  const spoiled = Buffer.from(bytes);
  spoiled[spoiled.length - 1]! ^= 0xff;
  const seen: EventFrame[] = [];
  await assert.rejects(
    (async () => {
      for await (const batch of eventStreamBatches(pieces(spoiled, spoiled.length))) seen.push(...batch);
    })(),
    (err: GatehouseError) => /checksum/.test(err.message),
  );
  assert.equal(seen.length, expected.length - 1);
});
