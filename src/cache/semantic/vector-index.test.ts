import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embedOffline } from './offline/embedder.ts';
import { hammingCutoff, type IndexEntry, VectorIndex } from './vector-index.ts';

const entry = (id: number, text: string, extra: Partial<IndexEntry> = {}): IndexEntry => ({
  id,
  scope: 'team:a',
  partition: 'p',
  model: 'smart',
  team: 'a',
  key: `k${id}`,
  text,
  expiresAt: Date.now() + 60_000,
  ...extra,
});

/** A unit vector near `base`: the same plus a little seeded noise. */
function near(base: Float32Array, noise: number, seed: number): Float32Array {
  const out = new Float32Array(base.length);
  let s = seed;
  let norm = 0;
  for (let i = 0; i < base.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = base[i]! + noise * ((s / 2 ** 32) * 2 - 1);
    norm += out[i]! * out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= Math.sqrt(norm);
  return out;
}

test('finds the nearest entry at or above the threshold, within its scope and partition only', () => {
  const index = new VectorIndex();
  index.add(entry(1, 'reset password'), embedOffline('How do I reset my password?'));
  index.add(entry(2, 'weather'), embedOffline('What is the weather in Lisbon?'));
  index.add(entry(3, 'other team', { scope: 'team:b' }), embedOffline('How do I reset my password?'));
  index.add(entry(4, 'other prompt', { partition: 'q' }), embedOffline('How do I reset my password?'));
  const query = embedOffline('how can I reset my password');
  const found = index.search('team:a', 'p', query, 0.8, 5, Date.now());
  assert.deepEqual(
    found.map((n) => n.entry.id),
    [1],
  );
  assert.ok(found[0]!.similarity > 0.99);
  assert.deepEqual(
    index.search('team:a', 'p', embedOffline('Explain photosynthesis'), 0.8, 5, Date.now()),
    [],
  );
  assert.deepEqual(index.search('team:c', 'p', query, 0.8, 5, Date.now()), []);
});

test('skips expired entries and removes what a purge selects', () => {
  const index = new VectorIndex();
  index.add(entry(1, 'a', { expiresAt: Date.now() - 1 }), embedOffline('alpha beta'));
  index.add(entry(2, 'b', { model: 'cheap' }), embedOffline('alpha beta'));
  assert.deepEqual(
    index.search('team:a', 'p', embedOffline('alpha beta'), 0.9, 5, Date.now()).map((n) => n.entry.id),
    [2],
  );
  assert.equal(
    index.removeWhere((e) => e.model === 'cheap'),
    1,
  );
  assert.deepEqual(index.search('team:a', 'p', embedOffline('alpha beta'), 0.9, 5, Date.now()), []);
  index.add(entry(2, 'b'), embedOffline('alpha beta'));
  assert.equal(index.size, 2);
  index.add(entry(2, 'again'), embedOffline('gamma'));
  assert.equal(index.size, 2, 'an id is indexed once');
});

test('in a large group the signature pass finds what an exact scan finds', () => {
  const index = new VectorIndex();
  const dims = 64;
  const bases: Float32Array[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = near(new Float32Array(dims), 1, i + 1);
    bases.push(v);
    index.add(entry(i + 1, `e${i}`), v);
  }
  let found = 0;
  for (let q = 0; q < 200; q++) {
    const target = bases[q * 7]!;
    const query = near(target, 0.04 + 0.02 * (q % 3), 99_999 + q);
    let dot = 0;
    for (let i = 0; i < dims; i++) dot += query[i]! * target[i]!;
    if (dot < 0.9) continue;
    const hits = index.search('team:a', 'p', query, 0.9, 1, Date.now());
    if (hits[0]?.entry.id === q * 7 + 1) found++;
    else assert.fail(`query ${q} at similarity ${dot} was not found`);
  }
  assert.ok(found > 50, `checked ${found} queries`);
});

test('of equally near entries the newest comes first', () => {
  const index = new VectorIndex();
  const vector = embedOffline('Where is the parking garage?');
  index.add(entry(1, 'old'), vector);
  index.add(entry(2, 'new'), vector);
  assert.deepEqual(
    index.search('team:a', 'p', vector, 0.9, 5, Date.now()).map((n) => n.entry.id),
    [2, 1],
  );
});

test('the Hamming cutoff grows as the threshold falls', () => {
  assert.ok(hammingCutoff(0.95) < hammingCutoff(0.9));
  assert.ok(hammingCutoff(0.9) < hammingCutoff(0.7));
  assert.ok(hammingCutoff(1) >= 1);
});

test('many removals compact a group without losing the rest', () => {
  const index = new VectorIndex();
  for (let i = 1; i <= 300; i++) index.add(entry(i, `t${i}`), embedOffline(`topic number ${i} words`));
  index.removeWhere((e) => e.id <= 250);
  assert.equal(index.size, 50);
  const hits = index.search('team:a', 'p', embedOffline('topic number 280 words'), 0.99, 1, Date.now());
  assert.equal(hits[0]?.entry.id, 280);
});
