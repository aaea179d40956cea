import { defineProvider } from '../manifest.ts';
import { mockConfigSchema } from './config.ts';
import { createMockProvider } from './provider.ts';

// The offline models have a price, so budgets can be tried without any provider.
const offlinePrice = { input_per_mtok: 1, output_per_mtok: 2 };

export const mockManifest = defineProvider({
  type: 'mock',
  config: mockConfigSchema,
  create: (name, config) => createMockProvider(name, config),
  pricingId: undefined,
  builtInPrices: { 'mock-fast': offlinePrice, 'mock-smart': offlinePrice, 'mock-embed': offlinePrice },
  genAiSystem: 'gatehouse.mock',
});
