import assert from 'node:assert/strict';
import { test } from 'node:test';
import { providerSchema } from '../config/schema.ts';
import { HttpClient } from './http.ts';
import { createProvider, providerManifests } from './index.ts';

/** The smallest valid entry of each type, so every manifest's factory can be run. */
const minimal: Record<string, Record<string, unknown>> = {
  openai: { api_key: 'k' },
  'azure-openai': { api_key: 'k', base_url: 'https://r.openai.azure.com' },
  'openai-compatible': { base_url: 'http://127.0.0.1:8000/v1' },
  anthropic: { api_key: 'k' },
  gemini: { api_key: 'k' },
  bedrock: { region: 'us-east-1', api_key: 'k' },
  mock: {},
};

test('each manifest names the type its config schema accepts, and no two share one', () => {
  const types = providerManifests.map((m) => m.type);
  assert.equal(new Set(types).size, types.length);
  for (const manifest of providerManifests) {
    assert.ok(
      manifest.config.safeParse({ type: manifest.type, ...minimal[manifest.type] }).success,
      manifest.type,
    );
    const other = providerManifests.find((m) => m !== manifest)!;
    assert.equal(manifest.config.safeParse({ ...minimal[manifest.type], type: other.type }).success, false);
  }
});

test('the config accepts exactly the listed types', () => {
  assert.deepEqual(Object.keys(minimal).sort(), providerManifests.map((m) => m.type).sort());
  const unknown = providerSchema.safeParse({ type: 'watsonx', api_key: 'k' });
  assert.equal(unknown.success, false);
});

test('createProvider builds every listed type from its manifest', async () => {
  const http = new HttpClient();
  try {
    for (const manifest of providerManifests) {
      const config = providerSchema.parse({ type: manifest.type, ...minimal[manifest.type] });
      const provider = createProvider(`my-${manifest.type}`, config, { http });
      assert.equal(provider.name, `my-${manifest.type}`);
      assert.equal(typeof provider.complete, 'function');
    }
    const responses = providerSchema.parse({ type: 'openai', api_key: 'k', api: 'responses' });
    assert.equal(createProvider('r', responses, { http }).dialect, 'openai-responses');
  } finally {
    await http.close();
  }
});
