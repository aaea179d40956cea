import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { generateKey, hashKey, SecretBox, sameDigest } from './crypto.ts';

test('virtual keys carry the recognisable prefix and are unique', () => {
  const keys = new Set(Array.from({ length: 100 }, generateKey));
  assert.equal(keys.size, 100);
  for (const key of keys) assert.match(key, /^gh-[A-Za-z0-9_-]{32}$/);
});

test('key hashes compare equal only for the same key', () => {
  const key = generateKey();
  assert.ok(sameDigest(hashKey(key), hashKey(key)));
  assert.ok(!sameDigest(hashKey(key), hashKey(`${key}x`)));
  assert.ok(!sameDigest(hashKey(key), 'abcd'));
  assert.ok(!sameDigest('abcd', hashKey(key)));
  const digest = hashKey(key);
  const lastChanged = digest.slice(0, -1) + (digest.endsWith('0') ? '1' : '0');
  assert.ok(!sameDigest(digest, lastChanged));
  assert.equal(digest, createHash('sha256').update(key).digest('hex'));
});

test('sealed secrets open with the same root and fail when altered or under another root', () => {
  const box = new SecretBox('master-1');
  const sealed = box.seal('sk-live-123');
  assert.ok(!sealed.includes('sk-live-123'));
  assert.equal(box.open(sealed), 'sk-live-123');
  assert.notEqual(box.seal('sk-live-123'), sealed, 'a fresh IV each time');
  assert.throws(() => new SecretBox('master-2').open(sealed));
  const bytes = Buffer.from(sealed, 'base64');
  bytes[bytes.length - 1]! ^= 1;
  assert.throws(() => box.open(bytes.toString('base64')));
});
