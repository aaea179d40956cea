// Builds the configured providers. Each dialect lives in its own folder; none imports another.
import type { ProviderConfig } from '../config/schema.ts';
import { createAnthropicProvider } from './anthropic/index.ts';
import { createBedrockProvider } from './bedrock/index.ts';
import { createGeminiProvider } from './gemini/index.ts';
import { createMockProvider } from './mock/index.ts';
import {
  createAzureOpenAIProvider,
  createOpenAICompatibleProvider,
  createOpenAIProvider,
  createOpenAIResponsesProvider,
} from './openai/index.ts';
import type { Provider, ProviderDeps } from './types.ts';

export function createProvider(name: string, config: ProviderConfig, deps: ProviderDeps): Provider {
  switch (config.type) {
    case 'openai':
      return config.api === 'responses'
        ? createOpenAIResponsesProvider(name, config, deps)
        : createOpenAIProvider(name, config, deps);
    case 'azure-openai':
      return createAzureOpenAIProvider(name, config, deps);
    case 'openai-compatible':
      return createOpenAICompatibleProvider(name, config, deps);
    case 'anthropic':
      return createAnthropicProvider(name, config, deps);
    case 'gemini':
      return createGeminiProvider(name, config, deps);
    case 'bedrock':
      return createBedrockProvider(name, config, deps);
    case 'mock':
      return createMockProvider(name, config);
  }
}

export { HttpClient } from './http.ts';
export type { CallOptions, Provider, ProviderDeps, Timeouts } from './types.ts';
