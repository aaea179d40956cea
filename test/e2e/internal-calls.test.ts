// The gateway's own calls (a guardrail's judge, the semantic cache's embeddings) run through the
// pipeline: routed, priced and recorded under route `internal:<purpose>`, and plugged-in stages can
// tell them from a caller's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Stage } from '../../src/pipeline/index.ts';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';

const seen: Array<string | undefined> = [];
const watching: Stage = {
  name: 'watch-internal-test',
  run(ex, next) {
    seen.push(ex.ctx.internal);
    return next();
  },
};

let gateway: Gateway;
const admin = adminClient(() => gateway);

before(async () => {
  gateway = await startTestGateway(mockOnlyConfig, { stages: { guardInput: [watching] } });
});
after(() => gateway.stop());

test('an internal chat is answered through the pipeline and recorded with its purpose', async () => {
  const result = await gateway.calls.chat(
    { model: 'mock-fast', messages: [{ role: 'user', content: [{ type: 'text', text: 'judge this' }] }] },
    { purpose: 'test-judge' },
  );
  assert.ok(result.response.content.length > 0);
  assert.deepEqual(seen, ['test-judge']);
  let logged: any;
  for (let i = 0; i < 100 && !logged; i++) {
    logged = (await admin('GET', '/admin/logs?tag=internal=test-judge')).body.data?.[0];
    if (!logged) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(logged, 'the internal call reached the request log');
  assert.equal(logged.route, 'internal:test-judge');
  assert.equal(logged.model, 'mock-fast');
  assert.equal(logged.status, 200);
  assert.ok(logged.input_tokens > 0, JSON.stringify(logged));
});

test('internal embeddings are answered, and an unknown model is refused as for a caller', async () => {
  const embedded = await gateway.calls.embeddings(
    { model: 'mock-embed', input: ['a', 'b'] },
    { purpose: 'test-embed' },
  );
  assert.equal(embedded.embeddings.length, 2);
  await assert.rejects(
    gateway.calls.embeddings({ model: 'no-such-model', input: ['a'] }, { purpose: 'test-embed' }),
    (err: { code?: string }) => err.code === 'GH_MODEL_NOT_FOUND' || /model/i.test(String(err)),
  );
});
