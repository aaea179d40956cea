export { eventStreamFrames } from './event-stream.ts';
export { createBedrockProvider } from './provider.ts';
export type { BedrockConfig } from './config.ts';
export { bedrockManifest } from './manifest.ts';
