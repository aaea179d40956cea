import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropicHttpError, anthropicStreamError, parseAnthropicError } from './errors.ts';

const envelope = (type: string, message = 'm') => JSON.stringify({ type: 'error', error: { type, message } });

test('HTTP errors are classified by status, keeping type and retry-after', () => {
  const overloaded = anthropicHttpError('a', 529, envelope('overloaded_error', 'Overloaded'), undefined);
  assert.equal(overloaded.code, 'GH_UPSTREAM_OVERLOADED');
  assert.equal(overloaded.upstreamType, 'overloaded_error');
  assert.equal(overloaded.upstreamStatus, 529);
  const limited = anthropicHttpError('a', 429, envelope('rate_limit_error'), 14);
  assert.equal(limited.code, 'GH_UPSTREAM_RATE_LIMITED');
  assert.equal(limited.retryAfter, 14);
  assert.equal(
    anthropicHttpError('a', 401, envelope('authentication_error'), undefined).code,
    'GH_UPSTREAM_AUTH',
  );
  assert.equal(
    anthropicHttpError('a', 400, envelope('invalid_request_error'), undefined).code,
    'GH_UPSTREAM_REJECTED',
  );
});

test('running out of credit is a quota error (fail over, do not retry)', () => {
  const low = anthropicHttpError(
    'a',
    400,
    envelope('invalid_request_error', 'Your credit balance is too low to access the Anthropic API.'),
    undefined,
  );
  assert.equal(low.code, 'GH_UPSTREAM_QUOTA');
  assert.equal(low.retryable, false);
  assert.equal(anthropicHttpError('a', 402, envelope('billing_error'), undefined).code, 'GH_UPSTREAM_QUOTA');
});

test('non-JSON error bodies are tolerated', () => {
  assert.deepEqual(parseAnthropicError('<html>bad gateway</html>', 502), {
    message: '<html>bad gateway</html>',
  });
  assert.deepEqual(parseAnthropicError('', 502), { message: 'HTTP 502 with an empty body' });
  const err = anthropicHttpError('a', 502, 'upstream connect error', undefined);
  assert.equal(err.code, 'GH_UPSTREAM_ERROR');
  assert.match(err.message, /upstream connect error/);
});

test('in-stream error events are classified by their type', () => {
  const cases: Array<[string, string]> = [
    ['overloaded_error', 'GH_UPSTREAM_OVERLOADED'],
    ['rate_limit_error', 'GH_UPSTREAM_RATE_LIMITED'],
    ['api_error', 'GH_UPSTREAM_ERROR'],
    ['timeout_error', 'GH_UPSTREAM_TIMEOUT'],
    ['invalid_request_error', 'GH_UPSTREAM_REJECTED'],
    ['brand_new_error', 'GH_UPSTREAM_ERROR'],
  ];
  for (const [type, code] of cases) assert.equal(anthropicStreamError('a', envelope(type)).code, code, type);
});
