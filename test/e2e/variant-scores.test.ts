// Experiments report scores per variant: feedback on each variant's answers, rolled up beside its
// usage in GET /admin/usage?by=experiment,variant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { adminClient } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

test('usage by experiment and variant carries each variant’s feedback scores', async () => {
  const g = await startTestGateway({
    ...mockOnlyConfig,
    experiments: {
      trial: {
        model: 'chat',
        sticky_by: 'header:x-session',
        variants: {
          control: { model: 'mock-fast', weight: 50 },
          candidate: { model: 'mock-smart', weight: 50 },
        },
      },
    },
  });
  try {
    const admin = adminClient(() => g);
    const byVariant: Record<string, string[]> = { control: [], candidate: [] };
    for (let i = 0; i < 30; i++) {
      const client = new OpenAI({
        apiKey: testMasterKey,
        baseURL: `${g.url}/v1`,
        defaultHeaders: { 'x-session': `s${i}` },
      });
      const res = await client.chat.completions
        .create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      const variant =
        res.response.headers.get('x-gatehouse-model') === 'mock-smart' ? 'candidate' : 'control';
      byVariant[variant]!.push(res.response.headers.get('x-request-id')!);
    }
    assert.ok(byVariant.control!.length > 0 && byVariant.candidate!.length > 0, JSON.stringify(byVariant));
    // Thumbs up for every control answer, down for every candidate answer.
    const items = [
      ...byVariant.control!.map((id) => ({ request_id: id, name: 'thumbs', value: true })),
      ...byVariant.candidate!.map((id) => ({ request_id: id, name: 'thumbs', value: false })),
    ];
    const feedback = async () =>
      (
        await fetch(`${g.url}/v1/feedback`, {
          method: 'POST',
          headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ items }),
        })
      ).status;
    // The feedback endpoint flushes the request log when it does not find a request yet.
    assert.equal(await feedback(), 200);
    const { body } = await admin('GET', '/admin/usage?by=experiment,variant&bucket=none&since=1h');
    const rows = Object.fromEntries(body.data.map((r: any) => [r.variant, r]));
    assert.deepEqual(rows.control.scores, { thumbs: { count: byVariant.control!.length, mean: 1 } });
    assert.deepEqual(rows.candidate.scores, { thumbs: { count: byVariant.candidate!.length, mean: 0 } });
  } finally {
    await g.stop();
  }
});
