// The semantic cache's public surface: the layer the cache stage calls, and the offline embedder the
// mock provider's `mock-embed` model and the bench use.
export type { CalibrationRow } from './calibration.ts';
export { builtinDimensions, embedOffline, similarity } from './embedder.ts';
export { createSemanticCache, SemanticCache, type SemanticDeps, type SemanticOptions } from './layer.ts';
export { vetoReason, vetoSignature } from './veto.ts';
