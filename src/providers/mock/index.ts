export { createMockProvider } from './provider.ts';
export type { MockConfig } from './config.ts';
export { mockManifest } from './manifest.ts';
