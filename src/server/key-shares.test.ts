import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../core/errors/index.ts';
import { clientErrorRefusal } from './client-errors.ts';
import { KeyShares, shareKey } from './key-shares.ts';

test('a key gets its share and no more; other keys are counted apart; a finished request frees a slot', () => {
  const shares = new KeyShares(2);
  shares.enter('a');
  shares.enter('a');
  assert.throws(
    () => shares.enter('a'),
    (err: GatehouseError) =>
      err.code === 'GH_TOO_MANY_IN_FLIGHT' && err.status === 429 && err.retryAfter === 1,
  );
  shares.enter('b');
  shares.leave('a');
  shares.enter('a');
  assert.equal(shareKey({}), 'master');
  assert.equal(shareKey({ keyId: 'k1' }), 'k1');
});

test("each parser error becomes the refusal Node would have sent, in the catalogue's terms", () => {
  const settings = { maxHeaderBytes: 32 * 1024, headersTimeoutS: 20, bodyTimeoutS: 60 };
  const refusal = (code: string, inBody = false) =>
    clientErrorRefusal(Object.assign(new Error('x'), { code, reason: 'why' }), settings, inBody);
  assert.equal(refusal('HPE_HEADER_OVERFLOW')?.status, 431);
  assert.equal(refusal('ERR_HTTP_REQUEST_TIMEOUT')?.code, 'GH_HEADERS_TIMEOUT');
  assert.equal(refusal('ERR_HTTP_REQUEST_TIMEOUT', true)?.code, 'GH_BODY_TIMEOUT');
  assert.equal(refusal('HPE_UNEXPECTED_CONTENT_LENGTH')?.code, 'GH_MALFORMED_HTTP');
  assert.equal(refusal('HPE_INVALID_CHUNK_SIZE', true)?.status, 400);
  assert.equal(refusal('HPE_CHUNK_EXTENSIONS_OVERFLOW')?.status, 413);
  assert.match(refusal('HPE_INVALID_METHOD')?.message ?? '', /not valid HTTP\/1\.1: why/);
  assert.equal(refusal('HPE_INVALID_EOF_STATE', true), undefined, 'a caller that left is not answered');
  assert.equal(refusal('ECONNRESET'), undefined);
});
