export { eventStreamFrames } from './event-stream.ts';
export { createBedrockProvider } from './provider.ts';
