export { createAnthropicProvider } from './provider.ts';
export type { AnthropicConfig } from './config.ts';
export { anthropicManifest } from './manifest.ts';
