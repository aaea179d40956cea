import { z } from 'zod';
import { httpUrl, providerCommonFields } from '../config.ts';

export const geminiConfigSchema = z.strictObject({
  type: z.literal('gemini'),
  api_key: z.string().min(1),
  base_url: httpUrl.default('https://generativelanguage.googleapis.com/v1beta'),
  ...providerCommonFields,
});

export type GeminiConfig = z.output<typeof geminiConfigSchema>;
