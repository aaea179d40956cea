import { defineProvider } from '../manifest.ts';
import { geminiConfigSchema } from './config.ts';
import { createGeminiProvider } from './provider.ts';

export const geminiManifest = defineProvider({
  type: 'gemini',
  config: geminiConfigSchema,
  create: createGeminiProvider,
  pricingId: 'google',
  genAiSystem: 'gcp.gemini',
});
