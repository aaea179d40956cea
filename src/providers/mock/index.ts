export { createMockProvider } from './provider.ts';
