// The soak's split of the process's own memory: V8's 256 KB page mappings, read from smaps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { v8PagesMb } from '../../bench/proc.ts';

const mapping = (start: number, kb: number, rssKb: number, name = '') =>
  [
    `${start.toString(16)}-${(start + kb * 1024).toString(16)} rw-p 00000000 00:00 0 ${name}`.trimEnd(),
    `Size:             ${kb} kB`,
    `Rss:              ${rssKb} kB`,
    'Pss:              0 kB',
  ].join('\n');

test('v8PagesMb sums the resident part of anonymous 256 KB mappings only', () => {
  const smaps = [
    mapping(0x10000000, 256, 256),
    mapping(0x20000000, 256, 128),
    mapping(0x30000000, 512, 512), // another size: malloc or another V8 space
    mapping(0x40000000, 256, 256, '[heap]'), // named: not V8's
    mapping(0x50000000, 256, 256, '/usr/lib/libc.so.6'),
  ].join('\n');
  assert.equal(v8PagesMb(smaps), (256 + 128) / 1024);
  assert.equal(v8PagesMb(''), 0);
});
