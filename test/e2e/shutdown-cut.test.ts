// A stream still running when shutdown's grace period ends is the gateway's doing, not its caller's:
// it gets an error event in the caller's format before the connection closes (the SDKs raise an API
// error, not a connection error), and it is recorded as 503 GH_SHUTTING_DOWN, not as a client abort.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestEnded } from '../../src/core/lifecycle/index.ts';
import { type RequestRecord, requestRecords } from '../../src/pipeline/index.ts';
import { fixtureText } from '../fixtures/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { until } from '../helpers/until.ts';
import { anthropicFixtureDir } from '../upstreams/anthropic.ts';
import { openaiFixtureDir } from '../upstreams/openai.ts';
import { startHangingStream } from '../upstreams/server.ts';

const records: RequestRecord[] = [];
requestRecords.subscribe((event) => records.push((event as RequestEnded).record));

test('streams cut by the shutdown grace period end with an error event and are recorded as shutdown', async () => {
  const openaiUp = await startHangingStream(
    fixtureText(openaiFixtureDir, 'stream-text.sse').split('\n\n')[0]!,
  );
  const anthropicUp = await startHangingStream(
    fixtureText(anthropicFixtureDir, 'stream-text.sse').split('\n\n')[0]!,
  );
  const gateway = await startTestGateway({
    providers: {
      oa: { type: 'openai-compatible', base_url: `${openaiUp.url}/v1`, api_key: 'k' },
      an: { type: 'anthropic', base_url: anthropicUp.url, api_key: 'k' },
    },
    models: {
      gpt: { targets: [{ provider: 'oa', model: 'gpt-4.1-mini' }] },
      claude: { targets: [{ provider: 'an', model: 'claude-sonnet-4-5' }] },
    },
  });
  try {
    const openai = new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: testMasterKey, baseURL: gateway.url, maxRetries: 0 });
    const openaiStream = await openai.chat.completions.create({
      model: 'gpt',
      stream: true,
      messages: [{ role: 'user', content: 'a long answer, please' }],
    });
    const anthropicStream = await anthropic.messages.create({
      model: 'claude',
      max_tokens: 1000,
      stream: true,
      messages: [{ role: 'user', content: 'a long answer, please' }],
    });
    const openaiRead = (async () => {
      for await (const _chunk of openaiStream) {
        // the first chunk arrives; then the stream hangs until shutdown cuts it
      }
    })().then(
      () => assert.fail('the stream should end in an error'),
      (err: unknown) => err,
    );
    const anthropicRead = (async () => {
      for await (const _event of anthropicStream) {
        // as above
      }
    })().then(
      () => assert.fail('the stream should end in an error'),
      (err: unknown) => err,
    );

    await gateway.stop(300);

    const openaiError = await openaiRead;
    assert.ok(openaiError instanceof OpenAI.APIError, `OpenAI SDK: ${String(openaiError)}`);
    assert.match(openaiError.message, /shut down before the answer was complete/);
    const anthropicError = await anthropicRead;
    assert.ok(anthropicError instanceof Anthropic.APIError, `Anthropic SDK: ${String(anthropicError)}`);
    assert.match(anthropicError.message, /shut down before the answer was complete/);

    assert.ok(await until(() => records.filter((r) => r.stream).length === 2, 2_000));
    for (const record of records.filter((r) => r.stream)) {
      assert.equal(record.status, 503, `${record.route}: ${record.errorCode}`);
      assert.equal(record.errorCode, 'GH_SHUTTING_DOWN');
      assert.notEqual(record.clientAborted, true);
    }
  } finally {
    await gateway.stop(0);
    await openaiUp.close();
    await anthropicUp.close();
  }
});
