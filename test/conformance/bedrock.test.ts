// Bedrock Converse conformance: the shared cases (cases.ts) run with the expectations in
// subjects/bedrock.ts, then what only Bedrock has: the API-key bearer as an alternative to SigV4.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBedrockProvider } from '../../src/providers/bedrock/index.ts';
import { runConformance } from './cases.ts';
import { callOptions as opts, type Harness } from './subject.ts';
import { model, firstTurn, bedrockSubject } from './subjects/bedrock.ts';

let h: Harness;

runConformance(bedrockSubject, (harness) => {
  h = harness;
  test('bedrock: a Bedrock API key is sent as a bearer token instead of a signature', async () => {
    const keyed = createBedrockProvider(
      'bedrock',
      { type: 'bedrock', region: 'us-east-1', base_url: h.upstream.url, api_key: 'bedrock-api-key' },
      { http: h.http },
    );
    await keyed.complete(firstTurn, model, opts());
    assert.equal(h.upstream.requests.at(-1)!.headers.authorization, 'Bearer bedrock-api-key');
  });
});
