import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDepth } from './body.ts';

test('jsonDepth counts nesting outside strings only', () => {
  const depth = (text: string) => jsonDepth(Buffer.from(text));
  assert.equal(depth('{}'), 1);
  assert.equal(depth('{"a":[{"b":1}]}'), 3);
  assert.equal(depth('{"a":"[[[[{{{{"}'), 1);
  assert.equal(depth('{"a":"\\"[[["}'), 1);
  assert.equal(depth('[[[[[]]]]]'), 5);
  assert.equal(depth('"plain"'), 0);
});
