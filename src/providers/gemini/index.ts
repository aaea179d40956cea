export { createGeminiProvider, geminiModelId } from './provider.ts';
export type { GeminiConfig } from './config.ts';
export { geminiManifest } from './manifest.ts';
