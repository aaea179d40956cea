import { defineProvider } from '../manifest.ts';
import { azureOpenAIConfigSchema, openaiCompatibleConfigSchema, openaiConfigSchema } from './config.ts';
import {
  createAzureOpenAIProvider,
  createOpenAICompatibleProvider,
  createOpenAIProvider,
} from './provider.ts';
import { createOpenAIResponsesProvider } from './responses-provider.ts';

export const openaiManifest = defineProvider({
  type: 'openai',
  config: openaiConfigSchema,
  create: (name, config, deps) =>
    config.api === 'responses'
      ? createOpenAIResponsesProvider(name, config, deps)
      : createOpenAIProvider(name, config, deps),
  pricingId: 'openai',
  genAiSystem: 'openai',
});

export const azureOpenAIManifest = defineProvider({
  type: 'azure-openai',
  config: azureOpenAIConfigSchema,
  create: createAzureOpenAIProvider,
  pricingId: 'azure',
  genAiSystem: 'azure.ai.openai',
});

/** Whatever serves an OpenAI-compatible API (vLLM, Ollama, …) is unknown by name. */
export const openaiCompatibleManifest = defineProvider({
  type: 'openai-compatible',
  config: openaiCompatibleConfigSchema,
  create: createOpenAICompatibleProvider,
  pricingId: undefined,
  genAiSystem: '_OTHER',
});
