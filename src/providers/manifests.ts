// Every provider type Gatehouse knows: adding one is a folder with a manifest, and one line here.
import type { z } from 'zod';
import { anthropicManifest } from './anthropic/index.ts';
import { bedrockManifest } from './bedrock/index.ts';
import { geminiManifest } from './gemini/index.ts';
import type { ProviderManifest } from './manifest.ts';
import { mockManifest } from './mock/index.ts';
import { azureOpenAIManifest, openaiCompatibleManifest, openaiManifest } from './openai/index.ts';

export const providerManifests = [
  openaiManifest,
  azureOpenAIManifest,
  openaiCompatibleManifest,
  anthropicManifest,
  geminiManifest,
  bedrockManifest,
  mockManifest,
] as const;

type ConfigSchemas<Manifests extends readonly ProviderManifest[]> = {
  -readonly [K in keyof Manifests]: Manifests[K]['config'];
};

/** The config schemas in list order, typed as a tuple so the config's union keeps each member's type. */
export const providerConfigSchemas = providerManifests.map((m) => m.config) as ConfigSchemas<
  typeof providerManifests
>;

const byType: ReadonlyMap<string, ProviderManifest> = new Map(providerManifests.map((m) => [m.type, m]));

export function providerManifest(type: string): ProviderManifest | undefined {
  return byType.get(type);
}

export type ProviderConfigUnion = z.output<(typeof providerConfigSchemas)[number]>;
