export {
  createAzureOpenAIProvider,
  createOpenAICompatibleProvider,
  createOpenAIProvider,
} from './provider.ts';
export { createOpenAIResponsesProvider } from './responses-provider.ts';
