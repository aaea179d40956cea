// The configuration of the three provider types that speak the OpenAI dialect.
import { z } from 'zod';
import { httpUrl, providerCommonFields } from '../config.ts';

export const openaiConfigSchema = z.strictObject({
  type: z.literal('openai'),
  api_key: z.string().min(1),
  base_url: httpUrl.default('https://api.openai.com/v1'),
  organization: z.string().optional(),
  project: z.string().optional(),
  api: z
    .enum(['chat', 'responses'])
    .default('chat')
    .describe(
      'chat: /chat/completions (same-dialect pass-through); responses: the Responses API, translated.',
    ),
  ...providerCommonFields,
});

export const azureOpenAIConfigSchema = z.strictObject({
  type: z.literal('azure-openai'),
  api_key: z.string().min(1),
  base_url: httpUrl.describe('The resource endpoint, e.g. https://my-resource.openai.azure.com'),
  api_version: z.string().default('2024-10-21'),
  ...providerCommonFields,
});

export const openaiCompatibleConfigSchema = z.strictObject({
  type: z.literal('openai-compatible'),
  api_key: z.string().optional(),
  base_url: httpUrl.describe('The API root that /chat/completions is under, e.g. http://127.0.0.1:8000/v1'),
  ...providerCommonFields,
});

export type OpenAIConfig = z.output<typeof openaiConfigSchema>;
export type AzureOpenAIConfig = z.output<typeof azureOpenAIConfigSchema>;
export type OpenAICompatibleConfig = z.output<typeof openaiCompatibleConfigSchema>;
