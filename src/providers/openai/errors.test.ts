import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openaiHttpError, openaiStreamError, parseOpenAIError, retryHintSeconds } from './errors.ts';

const envelope = (error: Record<string, unknown>) => JSON.stringify({ error });

test('429 insufficient_quota is out of credit (not retryable); a plain 429 is a retryable rate limit', () => {
  const quota = openaiHttpError(
    'p',
    429,
    envelope({
      message: 'You exceeded your current quota',
      type: 'insufficient_quota',
      param: null,
      code: 'insufficient_quota',
    }),
    undefined,
  );
  assert.equal(quota.code, 'GH_UPSTREAM_QUOTA');
  assert.equal(quota.retryable, false);
  assert.equal(quota.upstreamType, 'insufficient_quota');
  const limited = openaiHttpError(
    'p',
    429,
    envelope({
      message: 'Rate limit reached. Please try again in 372ms.',
      type: 'tokens',
      param: null,
      code: 'rate_limit_exceeded',
    }),
    undefined,
  );
  assert.equal(limited.code, 'GH_UPSTREAM_RATE_LIMITED');
  assert.equal(limited.retryable, true);
  assert.equal(limited.retryAfter, 0.372, 'the body hint stands in for a missing Retry-After');
  assert.equal(limited.upstreamType, 'rate_limit_exceeded');
  const headed = openaiHttpError('p', 429, envelope({ message: 'try again in 20s' }), 3);
  assert.equal(headed.retryAfter, 3, 'the header wins over the body hint');
});

test('other envelopes are read leniently: Azure, Ollama, vLLM, non-JSON', () => {
  assert.deepEqual(parseOpenAIError('{"error":{"code":"401","message":"Access denied"}}'), {
    message: 'Access denied',
    code: '401',
    status: 401,
  });
  assert.deepEqual(parseOpenAIError('{"error":"model \\"llama9\\" not found"}'), {
    message: 'model "llama9" not found',
  });
  assert.deepEqual(
    parseOpenAIError('{"object":"error","message":"too long","type":"BadRequestError","code":400}'),
    {
      message: 'too long',
      type: 'BadRequestError',
      status: 400,
    },
  );
  assert.deepEqual(parseOpenAIError('<html>Bad gateway</html>', 502), {
    message: '<html>Bad gateway</html>',
  });
  assert.deepEqual(parseOpenAIError('', 502), { message: 'HTTP 502 with an empty body' });
  const azure = openaiHttpError('az', 401, '{"error":{"code":"401","message":"Access denied"}}', undefined);
  assert.equal(azure.code, 'GH_UPSTREAM_AUTH');
  assert.equal(azure.upstreamType, undefined, 'a numeric code is a status, not a type');
});

test('in-stream errors are classified by their type, or by a numeric code', () => {
  assert.equal(
    openaiStreamError('p', envelope({ message: 'x', type: 'server_error' })).code,
    'GH_UPSTREAM_ERROR',
  );
  assert.equal(
    openaiStreamError('p', envelope({ message: 'x', code: 'insufficient_quota' })).code,
    'GH_UPSTREAM_QUOTA',
  );
  assert.equal(
    openaiStreamError('p', envelope({ message: 'x', type: 'invalid_request_error' })).code,
    'GH_UPSTREAM_REJECTED',
  );
  assert.equal(openaiStreamError('p', envelope({ message: 'x', code: 503 })).code, 'GH_UPSTREAM_OVERLOADED');
  assert.equal(openaiStreamError('p', envelope({ message: 'x', type: 'weird' })).code, 'GH_UPSTREAM_ERROR');
});

test('retry hints in OpenAI’s messages are read as seconds', () => {
  assert.equal(retryHintSeconds('Please try again in 372ms. Visit'), 0.372);
  assert.equal(retryHintSeconds('Please try again in 1.5s.'), 1.5);
  assert.equal(retryHintSeconds('Please try again in 6m0s.'), 360);
  assert.equal(retryHintSeconds('Slow down.'), undefined);
});
