// Embeddings for the topic metric: the semantic cache's offline embedder (`builtin`), or a
// configured embeddings model called through the gateway's internal calls (recorded and priced
// like any call, under the route `internal:drift:embed`), in batches.
import type { EmbeddingsRequest, EmbeddingsResult } from '../core/ir/index.ts';
import { embedOffline } from '../cache/semantic/offline/embedder.ts';
import type { Embed } from './compare.ts';

/** The one internal call drift makes (pipeline/internal.ts InternalCalls.embeddings). */
export type EmbeddingsCall = (
  request: EmbeddingsRequest,
  options: { purpose: string },
) => Promise<EmbeddingsResult>;

const batch = 64;

export function embedderFor(model: string, call?: EmbeddingsCall): Embed | undefined {
  if (model === 'builtin') return async (texts) => texts.map((text) => Array.from(embedOffline(text)));
  if (!call) return undefined;
  return async (texts) => {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += batch) {
      const result = await call({ model, input: texts.slice(i, i + batch) }, { purpose: 'drift:embed' });
      out.push(...result.embeddings);
    }
    return out;
  };
}
