// Builds the configured providers from their manifests. Each dialect lives in its own folder; none
// imports another.
import { type ProviderConfigUnion, providerManifest } from './manifests.ts';
import type { Provider, ProviderDeps } from './types.ts';

export function createProvider(name: string, config: ProviderConfigUnion, deps: ProviderDeps): Provider {
  const manifest = providerManifest(config.type);
  // The config schema accepts only the listed types, so a validated config always has a manifest.
  if (!manifest) throw new Error(`${name}: unknown provider type "${config.type}"`);
  return manifest.create(name, config, deps);
}

export { HttpClient } from './http.ts';
export type { BuiltInPrice, ProviderManifest } from './manifest.ts';
export { providerConfigSchemas, providerManifest, providerManifests } from './manifests.ts';
export type { CallOptions, Provider, ProviderDeps, Timeouts } from './types.ts';
