import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeOrderedId } from './app.ts';

test('generated request ids are UUIDv7: valid, unique, and ordered by time', async () => {
  const first = timeOrderedId();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const later = Array.from({ length: 1000 }, timeOrderedId);
  for (const id of [first, ...later])
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(new Set(later).size, later.length);
  assert.ok(
    later.every((id) => id > first),
    'an id made later sorts after',
  );
  assert.equal(Number.parseInt(first.replace('-', '').slice(0, 12), 16) <= Date.now(), true);
});
