export { AnswerStream, type ChunkStep, type StreamOutcome } from './answer-stream.ts';
export {
  type AttemptRecord,
  type RequestContext,
  type RequestRecord,
  requestRecords,
  type SurfaceName,
} from './context.ts';
export { Pipeline } from './runtime.ts';
export type {
  Answer,
  ChatExchange,
  CountTokensExchange,
  EmbeddingsExchange,
  Exchange,
  Operation,
  Stage,
} from './stage.ts';
export { compose, newExchange } from './stage.ts';
export { pipelineStages, type StageDeps, type StageSlots } from './stages.ts';
export { type InternalCallOptions, InternalCaller, type InternalCalls } from './internal.ts';
