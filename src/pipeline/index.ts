export { runChat } from './chat.ts';
export { type RequestContext, type RequestRecord, requestRecords, type SurfaceName } from './context.ts';
export { countTokens } from './count-tokens.ts';
export { runEmbeddings } from './embeddings.ts';
export { Pipeline } from './runtime.ts';
export type { ChatSurface, EmbeddingsSurface, StreamEncoder } from './surface.ts';
