// Guardrail verdicts leave the gateway as metrics (a counter by guardrail, phase and action, and a
// latency histogram) and as a span per check in the request's trace — never with the matched text.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const bodies: string[] = [];
const collector = createServer(async (req, res) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (req.url === '/v1/traces') bodies.push(text);
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
});
let gateway: Gateway;
const email = 'sam.smith@example.net';

before(async () => {
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  gateway = await startTestGateway({
    providers: { mock: { type: 'mock' } },
    models: { 'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }], guardrails: ['no-pii'] } },
    guardrails: { 'no-pii': { type: 'pii', action: 'redact' } },
    telemetry: { otlp_endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` },
  });
});

after(async () => {
  await gateway?.stop(0);
  collector.closeAllConnections();
  collector.close();
});

test('verdicts are counted, timed and traced, without the matched text', async () => {
  const client = new OpenAI({ apiKey: testMasterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const data = await client.chat.completions.create({
    model: 'mock-fast',
    messages: [{ role: 'user', content: `reach me at ${email}` }],
  });
  assert.match(data.choices[0]!.message.content!, /\[EMAIL\]/, 'the mock echoes the redacted prompt');

  const metrics = await (
    await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${testMasterKey}` } })
  ).text();
  assert.match(
    metrics,
    /gatehouse_guardrail_verdicts_total\{guardrail="no-pii",phase="input",action="redacted",mode="enforce"\} 1/,
  );
  assert.match(
    metrics,
    /gatehouse_guardrail_verdicts_total\{guardrail="no-pii",phase="output",action="passed"/,
  );
  assert.match(
    metrics,
    /gatehouse_guardrail_check_duration_seconds_count\{guardrail="no-pii",phase="input"\} 1/,
  );

  await gateway.stop();
  const all = bodies.join('\n');
  assert.ok(!all.includes('sam.smith'), 'no span carries the matched text');
  const spans = bodies.flatMap((b) =>
    JSON.parse(b).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)),
  );
  const checks = spans.filter((s: any) => s.name === 'guardrail no-pii');
  assert.equal(checks.length, 2, spans.map((s: any) => s.name).join(', '));
  const server = spans.find((s: any) => s.kind === 2);
  for (const span of checks) assert.equal(span.parentSpanId, server.spanId);
  const attributes = Object.fromEntries(
    checks
      .flatMap((s: any) => s.attributes)
      .filter((a: any) => a.key === 'gatehouse.guardrail.action' || a.key === 'gatehouse.guardrail.entities')
      .map((a: any) => [`${a.key}:${JSON.stringify(a.value)}`, true]),
  );
  assert.ok(attributes['gatehouse.guardrail.action:{"stringValue":"redacted"}'], JSON.stringify(attributes));
});
