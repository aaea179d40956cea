import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDiff, configHash, maskConfigText } from './versions.ts';

test('secret values are masked in block maps, flow maps and JSON; references are shown as written', () => {
  const text = [
    'providers:',
    '  openai: { type: openai, api_key: sk-abc123, base_url: "http://x" }',
    '  anthropic:',
    '    type: anthropic',
    '    api_key: "sk-ant-xyz"   # rotated monthly',
    '  env: { type: openai, api_key: "${OPENAI_API_KEY}" }',
    '  stored: { type: openai, api_key: secret:OPENAI }',
    'telemetry:',
    '  otlp_headers: { authorization: Bearer abc, x-tenant: t1 }',
    '{"providers": {"o": {"type": "openai", "api_key": "sk-1", "x-api-key": "k2"}}}',
    '  block:',
    '    api_key: |',
    '      sk-multi-line',
    '    base_url: http://y',
  ].join('\n');
  const masked = maskConfigText(text);
  for (const secret of ['sk-abc123', 'sk-ant-xyz', 'sk-1', 'k2', 'Bearer', 'abc', 'sk-multi-line'])
    assert.ok(!masked.includes(secret), `${secret} is masked:\n${masked}`);
  for (const kept of [
    '${OPENAI_API_KEY}',
    'secret:OPENAI',
    'base_url: "http://x"',
    'x-tenant: t1',
    'base_url: http://y',
  ])
    assert.ok(masked.includes(kept), `${kept} is kept:\n${masked}`);
  assert.equal(masked.split('\n').length, text.split('\n').length, 'the layout is kept line for line');
});

test('the diff shows removed and added lines with context, and hunks apart', () => {
  const before = 'a\nb\nc\nd\ne\nf\ng\nh\ni';
  const after = 'a\nb\nC\nd\ne\nf\ng\nh\ni\nj';
  assert.equal(
    configDiff(before, after),
    ['  a', '  b', '- c', '+ C', '  d', '  e', '@@', '  h', '  i', '+ j'].join('\n'),
  );
  assert.equal(configDiff(before, before), '');
});

test('the hash is of the text, short and stable', () => {
  assert.equal(configHash('models: {}\n'), configHash('models: {}\n'));
  assert.notEqual(configHash('models: {}\n'), configHash('models: {} \n'));
  assert.match(configHash('x'), /^[0-9a-f]{12}$/);
});
