import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamChunk } from '../core/ir/index.ts';
import type { SseEvent } from './sse.ts';
import { batchedStream, decodeBatches } from './stream-batches.ts';

async function* reads(...batches: string[][]): AsyncGenerator<SseEvent[]> {
  for (const batch of batches) yield batch.map((data) => ({ data }));
}

const text = (event: SseEvent): StreamChunk => {
  if (event.data === 'bad') throw new Error('not an event');
  return { parts: [{ type: 'text', text: event.data }], raw: event };
};

async function collect(batches: AsyncGenerator<StreamChunk[], boolean>) {
  const seen: string[][] = [];
  for (;;) {
    const step = await batches.next();
    if (step.done) return { seen, finished: step.value };
    seen.push(step.value.map((chunk) => chunk.raw!.data));
  }
}

test('the first chunk alone, then one batch per read, ending after the event that finishes the answer', async () => {
  let last = '';
  const decode = (event: SseEvent) => {
    last = event.data;
    return text(event);
  };
  const { seen, finished } = await collect(
    decodeBatches(reads(['a', 'b'], ['c', 'stop', 'after'], ['never']), decode, () => last === 'stop'),
  );
  assert.deepEqual(seen, [['a'], ['b'], ['c', 'stop']]);
  assert.equal(finished, true);
});

test('a body that ends without the finishing event returns false', async () => {
  const { seen, finished } = await collect(decodeBatches(reads(['a'], ['b', 'c']), text, () => false));
  assert.deepEqual(seen, [['a'], ['b', 'c']]);
  assert.equal(finished, false);
});

test('an event that fails to decode comes after the chunks before it in its read', async () => {
  const batches = decodeBatches(reads(['a'], ['b', 'c', 'bad', 'd']), text, () => false);
  assert.deepEqual((await batches.next()).value, [text({ data: 'a' })]);
  assert.deepEqual((await batches.next()).value, [text({ data: 'b' }), text({ data: 'c' })]);
  await assert.rejects(batches.next(), /not an event/);
});

test('a batched stream reads chunk by chunk too', async () => {
  const stream = batchedStream({ dialect: 'openai' }, async function* () {
    yield* decodeBatches(reads(['a', 'b'], ['c']), text, () => false);
  });
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk.raw!.data);
  assert.deepEqual(chunks, ['a', 'b', 'c']);
  assert.equal(stream.dialect, 'openai');
});
