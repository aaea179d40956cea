export { createGeminiProvider, geminiModelId } from './provider.ts';
