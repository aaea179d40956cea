// A logistic-regression classifier over hashed word and character n-grams of folded text. The
// weights (injection-model.json) are trained by scripts/train-injection.ts on the train split of
// bench/guardrails/corpus.jsonl; the feature extraction here is the one the trainer uses, so the
// two cannot drift apart.

import model from './injection-model.json' with { type: 'json' };

export interface InjectionModel {
  buckets: number;
  bias: number;
  /** bucket → weight, only the buckets that training left non-zero. */
  weights: Record<string, number>;
}

/** FNV-1a, 32 bits: fast and stable across runs, so a trained bucket means the same at inference. */
function hash(text: string, from: number, to: number, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = from; i < to; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const wordPattern = /[\p{L}\p{N}_]+|[<>|#[\]{}:]+/gu;

/** Bucket ids of a text's features: words, word pairs, and character 4-grams inside each word. */
export function features(folded: string, buckets: number): Set<number> {
  const out = new Set<number>();
  let previous = '';
  wordPattern.lastIndex = 0;
  for (const match of folded.matchAll(wordPattern)) {
    const word = match[0];
    out.add(hash(word, 0, word.length, 1) % buckets);
    if (previous !== '') {
      const pair = `${previous} ${word}`;
      out.add(hash(pair, 0, pair.length, 2) % buckets);
    }
    previous = word;
    if (word.length > 4) {
      const padded = ` ${word} `;
      for (let i = 0; i + 4 <= padded.length; i++) out.add(hash(padded, i, i + 4, 3) % buckets);
    }
  }
  return out;
}

/** Longer texts are judged window by window, so a benign page cannot dilute one injected line. */
const windowSize = 600;

export function classifyWith(trained: InjectionModel, folded: string): number {
  if (trained.buckets === 0) return 0;
  let best = 0;
  for (let start = 0; start < folded.length; start += windowSize) {
    // Windows overlap by a sixth, so a phrase cut at a boundary is whole in one of them.
    const window = folded.slice(Math.max(0, start - windowSize / 6), start + windowSize);
    let z = trained.bias;
    for (const bucket of features(window, trained.buckets)) z += trained.weights[bucket] ?? 0;
    const p = 1 / (1 + Math.exp(-z));
    if (p > best) best = p;
  }
  return best;
}

export function classifyInjection(folded: string): number {
  return classifyWith(model as InjectionModel, folded);
}
