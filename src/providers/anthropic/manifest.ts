import { defineProvider } from '../manifest.ts';
import { anthropicConfigSchema } from './config.ts';
import { createAnthropicProvider } from './provider.ts';

export const anthropicManifest = defineProvider({
  type: 'anthropic',
  config: anthropicConfigSchema,
  create: createAnthropicProvider,
  pricingId: 'anthropic',
  genAiSystem: 'anthropic',
});
