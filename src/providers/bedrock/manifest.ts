import { defineProvider } from '../manifest.ts';
import { bedrockConfigSchema } from './config.ts';
import { createBedrockProvider } from './provider.ts';

export const bedrockManifest = defineProvider({
  type: 'bedrock',
  config: bedrockConfigSchema,
  create: createBedrockProvider,
  pricingId: 'aws',
  genAiSystem: 'aws.bedrock',
});
