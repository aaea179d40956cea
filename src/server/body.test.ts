import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDepth, nestsDeeperThan } from './body.ts';

test('jsonDepth counts nesting outside strings only', () => {
  const depth = (text: string) => jsonDepth(Buffer.from(text));
  assert.equal(depth('{}'), 1);
  assert.equal(depth('{"a":[{"b":1}]}'), 3);
  assert.equal(depth('{"a":"[[[[{{{{"}'), 1);
  assert.equal(depth('{"a":"\\"[[["}'), 1);
  assert.equal(depth('[[[[[]]]]]'), 5);
  assert.equal(depth('"plain"'), 0);
});

test('nestsDeeperThan: the bracket count answers small bodies, the scan the rest', () => {
  const deeper = (text: string, limit: number) => nestsDeeperThan(Buffer.from(text), limit);
  assert.equal(deeper('{"a":[{"b":1}]}', 3), false); // three brackets: no scan needed
  assert.equal(deeper('{"a":[{"b":1}]}', 2), true);
  // Many brackets, shallow: the scan decides.
  assert.equal(deeper('[{},{},{},{},{},{}]', 3), false);
  assert.equal(deeper('{"a":"[[[[[[[[[["}', 3), false);
  assert.equal(deeper('[[[[[]]]]]', 4), true);
  assert.equal(deeper('[[[[[]]]]]', 5), false);
});
