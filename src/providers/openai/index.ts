export {
  createAzureOpenAIProvider,
  createOpenAICompatibleProvider,
  createOpenAIProvider,
} from './provider.ts';
export { createOpenAIResponsesProvider } from './responses-provider.ts';
export type { AzureOpenAIConfig, OpenAICompatibleConfig, OpenAIConfig } from './config.ts';
export { azureOpenAIManifest, openaiCompatibleManifest, openaiManifest } from './manifest.ts';
