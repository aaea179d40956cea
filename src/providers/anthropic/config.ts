import { z } from 'zod';
import { httpUrl, providerCommonFields } from '../config.ts';

export const anthropicConfigSchema = z.strictObject({
  type: z.literal('anthropic'),
  api_key: z.string().min(1),
  base_url: httpUrl.default('https://api.anthropic.com'),
  anthropic_version: z.string().default('2023-06-01'),
  ...providerCommonFields,
});

export type AnthropicConfig = z.output<typeof anthropicConfigSchema>;
