// The semantic cache's public surface: the layer the cache stage calls, and the offline embedder the
// mock provider's `mock-embed` model and the bench use.
import type { SemanticCacheConfig } from '../../config/cache.ts';
import { createSemanticCache, type SemanticCache, type SemanticDeps } from './layer.ts';

export type { CalibrationRow } from './calibration.ts';
export { createSemanticCache, SemanticCache, type SemanticDeps, type SemanticOptions } from './layer.ts';
export { builtinDimensions, embedOffline, similarity } from './offline/embedder.ts';
export { watchCalibration } from './metrics.ts';
export { vetoReason, vetoSignature } from './veto.ts';

/** The semantic layer a `cache.semantic` block asks for, loaded and following other replicas. */
export async function semanticFromConfig(
  config: SemanticCacheConfig | undefined,
  deps: SemanticDeps,
): Promise<SemanticCache | undefined> {
  if (!config) return undefined;
  return createSemanticCache(
    {
      embeddingModel: config.embedding_model,
      threshold: config.threshold,
      calibrationRate: config.calibration_rate,
      maxEntries: config.max_entries,
      veto: config.veto,
    },
    deps,
  );
}
