import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatehouseError, upstreamStatusError } from './index.ts';
import { redactedMarker, stripSecrets } from './sanitize.ts';

const R = redactedMarker;

test('each kind of credential is replaced, and the words around it stay', () => {
  const cases: Array<[string, string]> = [
    ['Incorrect API key provided: sk-proj-Abc123def456ghi789jkl.', `Incorrect API key provided: ${R}.`],
    ['invalid x-api-key sk-ant-api03-AbCdEf0123456789_xyz-QQ', `invalid x-api-key ${R}`],
    ['got header Authorization: Bearer abc.def-123_456', `got header Authorization: Bearer ${R}`],
    ['Basic dXNlcjpwYXNzd29yZA== was refused', `Basic ${R} was refused`],
    ['key AKIAIOSFODNN7EXAMPLE is not valid', `key ${R} is not valid`],
    ['API key not valid: AIzaSyA1234567890abcdefghijklmnopqrstuv', `API key not valid: ${R}`],
    ['token ghp_abcdefghijklmnopqrstuvwxyz0123456789 revoked', `token ${R} revoked`],
    ['slack xoxb-1234567890-abcdefghij failed', `slack ${R} failed`],
    [
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U expired',
      `jwt ${R} expired`,
    ],
    [
      'cannot connect to postgres://gatehouse:s3cret-pw@db.internal:5432/app',
      `cannot connect to postgres://gatehouse:${R}@db.internal:5432/app`,
    ],
    ['redis://:hunter2@cache:6379 refused', `redis://:${R}@cache:6379 refused`],
    ['config has password=hunter2 and api_key: "k-123456"', `config has password=${R} and api_key: "${R}"`],
    ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY', `aws_secret_access_key = ${R}`],
    [
      'key: -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY----- end',
      `key: ${R} end`,
    ],
    ['cut: -----BEGIN PRIVATE KEY-----\nMIIEpAIBAAKC', `cut: ${R}`],
  ];
  for (const [input, expected] of cases) assert.equal(stripSecrets(input), expected, input);
});

test('ordinary error text is left exactly as it was', () => {
  for (const text of [
    "This model's maximum context length is 8192 tokens. However, you requested 10000 tokens.",
    'max_tokens: 100 is too large',
    'Bearer authentication failed',
    'see https://platform.openai.com/account/api-keys for your keys',
    'deploy from gh-pages-deploy-workflow',
    'sk-learn-is-a-python-library',
    'Overloaded',
  ]) {
    assert.equal(stripSecrets(text), text);
  }
});

test('hostile input of 200 KB (unclosed key blocks, endless tokens) is scanned, and a key after it found', () => {
  const long = `${'-----BEGIN PRIVATE KEY-----'.repeat(2000)}${'a'.repeat(100_000)} Bearer ${'x'.repeat(100_000)}`;
  const out = stripSecrets(`${long} sk-Abc123def456ghi789jkl0`);
  assert.ok(out.endsWith(` ${R}`));
});

test('every upstream error is stripped where it is built, keeping its status and upstream type', () => {
  const auth = upstreamStatusError('openai', 401, 'Incorrect API key provided: sk-abcdef0123456789ABCDEF.', {
    upstreamType: 'invalid_api_key',
  });
  assert.equal(auth.message, `openai refused the gateway's credentials: Incorrect API key provided: ${R}.`);
  assert.equal(auth.upstreamStatus, 401);
  assert.equal(auth.upstreamType, 'invalid_api_key');
  const direct = new GatehouseError('GH_UPSTREAM_UNREACHABLE', 'x: connect to https://u:pw123456@h failed', {
    provider: 'x',
  });
  assert.equal(direct.message, `x: connect to https://u:${R}@h failed`);
  const own = new GatehouseError('GH_INVALID_REQUEST', 'password=hunter2 is the input');
  assert.equal(own.message, 'password=hunter2 is the input', "the gateway's own messages are its own");
});
