// An experiment splits the model name callers use into variants by weight. The variant is chosen by
// hashing what the experiment is sticky by (key, user, or a header) with its name, so the same
// caller keeps its variant on every replica and across restarts, and different experiments split
// callers independently. A caller without the sticky value is assigned per request.
import type { ExperimentConfig } from '../config/schema.ts';
import type { RequestFacts } from './facts.ts';

export interface Variant {
  name: string;
  model: string;
  /** The variant's share ends here, on the scale of the total weight. */
  upTo: number;
}

/** FNV-1a, 32 bits: fast, well spread for short strings, the same in every process. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final mix: FNV's low bits follow the last characters too closely for a bucket choice.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

export class Experiment {
  readonly name: string;
  readonly model: string;
  readonly variants: readonly Variant[];
  readonly shadow: { model: string; share: number } | undefined;
  readonly #total: number;
  readonly #sticky: (facts: RequestFacts) => string | undefined;

  constructor(name: string, config: ExperimentConfig) {
    this.name = name;
    this.model = config.model;
    let total = 0;
    this.variants = Object.entries(config.variants).map(([variant, v]) => {
      total += v.weight;
      return { name: variant, model: v.model, upTo: total };
    });
    this.#total = total;
    this.shadow = config.shadow && { model: config.shadow.model, share: config.shadow.percent / 100 };
    const by = config.sticky_by;
    if (by === 'key') this.#sticky = (f) => f.caller.keyId ?? (f.caller.master ? 'master' : undefined);
    else if (by === 'user') this.#sticky = (f) => f.caller.userId;
    else {
      const header = by.slice('header:'.length).toLowerCase();
      this.#sticky = (f) => f.header(header) || undefined;
    }
  }

  /** The variant for a request: by its sticky value's hash, or at random without one. */
  assign(facts: RequestFacts, random = Math.random): Variant {
    const sticky = this.#sticky(facts);
    const point =
      (sticky === undefined ? random() : hash32(`${this.name}\u0000${sticky}`) / 0x1_0000_0000) * this.#total;
    return this.variantAt(point);
  }

  /** The variant whose share holds `point` (0 ≤ point < total weight). */
  variantAt(point: number): Variant {
    for (const v of this.variants) if (point < v.upTo) return v;
    return this.variants[this.variants.length - 1]!;
  }

  /** Whether to mirror this request to the shadow model. */
  mirrors(random = Math.random): boolean {
    return this.shadow !== undefined && this.shadow.share > 0 && random() < this.shadow.share;
  }
}
