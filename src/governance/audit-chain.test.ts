import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AuditEntry, entryHash, genesisHash, verifyChain } from './audit-chain.ts';

function chain(length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prev = genesisHash;
  for (let seq = 1; seq <= length; seq++) {
    const base = {
      seq,
      at: 1_000 + seq,
      actor: 'master',
      action: 'key.create',
      target_type: 'key',
      target_id: `k${seq}`,
      before: null,
      after: `{"n":${seq}}`,
      prev_hash: prev,
    };
    const entry = { ...base, hash: entryHash(base) };
    entries.push(entry);
    prev = entry.hash;
  }
  return entries;
}

test('an intact chain verifies', () => {
  assert.equal(verifyChain(chain(5)), undefined);
  assert.equal(verifyChain([]), undefined);
});

test('an altered entry is named', () => {
  const entries = chain(5);
  entries[2] = { ...entries[2]!, after: '{"n":99}' };
  assert.deepEqual(verifyChain(entries), { seq: 3, problem: 'entry 3 was altered' });
});

test('a deleted entry is named', () => {
  const entries = chain(5);
  entries.splice(1, 1);
  assert.deepEqual(verifyChain(entries), { seq: 2, problem: 'entry 2 is missing' });
});

test('a re-hashed forgery still breaks the link to the next entry', () => {
  const entries = chain(5);
  const forged = { ...entries[1]!, actor: 'intruder' };
  forged.hash = entryHash(forged);
  entries[1] = forged;
  assert.deepEqual(verifyChain(entries), { seq: 3, problem: 'entry 3 does not follow entry 2' });
});
