import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geminiHttpError, geminiStreamError, parseGeminiError } from './errors.ts';

const envelope = (error: unknown) => JSON.stringify({ error });

test('RetryInfo in the body gives retryAfter, ahead of the header', () => {
  const body = envelope({
    code: 429,
    message: 'quota',
    status: 'RESOURCE_EXHAUSTED',
    details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' }],
  });
  const err = geminiHttpError('g', 429, body, 5);
  assert.equal(err.code, 'GH_UPSTREAM_RATE_LIMITED');
  assert.equal(err.retryAfter, 34.4);
  assert.equal(err.upstreamType, 'RESOURCE_EXHAUSTED');
  const headerOnly = geminiHttpError(
    'g',
    429,
    envelope({ code: 429, message: 'q', status: 'RESOURCE_EXHAUSTED' }),
    5,
  );
  assert.equal(headerOnly.retryAfter, 5);
});

test('a per-day quota is exhausted, not a passing rate limit', () => {
  const body = envelope({
    code: 429,
    message: 'quota',
    status: 'RESOURCE_EXHAUSTED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }],
      },
    ],
  });
  assert.equal(geminiHttpError('g', 429, body, undefined).code, 'GH_UPSTREAM_QUOTA');
});

test('an invalid API key is the gateway’s configuration problem, though Google says 400', () => {
  const body = envelope({
    code: 400,
    message: 'API key not valid. Please pass a valid API key.',
    status: 'INVALID_ARGUMENT',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
  });
  const err = geminiHttpError('g', 400, body, undefined);
  assert.equal(err.code, 'GH_UPSTREAM_AUTH');
  assert.equal(err.upstreamStatus, 400);
  assert.equal(err.upstreamType, 'API_KEY_INVALID');
});

test('other statuses classify by HTTP status', () => {
  const bad = geminiHttpError(
    'g',
    400,
    envelope({ code: 400, message: 'bad', status: 'INVALID_ARGUMENT' }),
    undefined,
  );
  assert.equal(bad.code, 'GH_UPSTREAM_REJECTED');
  assert.match(bad.message, /bad/);
  assert.equal(
    geminiHttpError('g', 503, envelope({ code: 503, message: 'x' }), undefined).code,
    'GH_UPSTREAM_OVERLOADED',
  );
  assert.equal(geminiHttpError('g', 500, '<html>oops</html>', undefined).message, 'g: <html>oops</html>');
  assert.equal(parseGeminiError('', 502).message, 'HTTP 502 with an empty body');
});

test('an error body in an array (non-SSE streams) is read too', () => {
  const info = parseGeminiError(
    JSON.stringify([{ error: { code: 404, message: 'gone', status: 'NOT_FOUND' } }]),
  );
  assert.deepEqual(info, { code: 404, message: 'gone', status: 'NOT_FOUND' });
});

test('stream errors use the numeric code, else the status name', () => {
  assert.equal(
    geminiStreamError('g', { code: 503, message: 'x', status: 'UNAVAILABLE' }).code,
    'GH_UPSTREAM_OVERLOADED',
  );
  assert.equal(
    geminiStreamError('g', { message: 'x', status: 'RESOURCE_EXHAUSTED' }).code,
    'GH_UPSTREAM_RATE_LIMITED',
  );
  assert.equal(geminiStreamError('g', { message: 'x' }).code, 'GH_UPSTREAM_ERROR');
});
