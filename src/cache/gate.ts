// The quality gate (docs/cache.md, "Quality gate"): which cached answers may be served, judged by
// the scores and feedback their requests received. The scores live on the entry itself (noted by
// the feedback and evaluator writers through `ResponseCache.rated`), so the check on a hit is a few
// comparisons on what the lookup already read — no query of quality_scores.
import type { QualityGateConfig } from '../config/schema.ts';

/** Why a found entry is not served: its counted scores' mean is below min_score, or it has none. */
export type GateRefusal = 'below-min-score' | 'unrated';

/** A score as the gate counts it: booleans 0/1, numbers clamped to 0..1. */
export function normalise(value: number | boolean): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Math.min(1, Math.max(0, value));
}

export class QualityGate {
  readonly config: QualityGateConfig;
  readonly #names: ReadonlySet<string> | undefined;

  constructor(config: QualityGateConfig) {
    this.config = config;
    this.#names = config.scores ? new Set(config.scores) : undefined;
  }

  counts(name: string): boolean {
    return this.#names === undefined || this.#names.has(name);
  }

  /** The mean of the counted scores; undefined when none is counted. */
  mean(scores: Record<string, number> | undefined): number | undefined {
    if (!scores) return undefined;
    let sum = 0;
    let n = 0;
    for (const name in scores)
      if (this.counts(name)) {
        sum += scores[name]!;
        n++;
      }
    return n === 0 ? undefined : sum / n;
  }

  /** Undefined when an entry with these scores may be served, else why not. */
  refuses(scores: Record<string, number> | undefined): GateRefusal | undefined {
    const mean = this.mean(scores);
    if (mean === undefined) return this.config.require_score ? 'unrated' : undefined;
    return mean < this.config.min_score ? 'below-min-score' : undefined;
  }

  /** Whether a score just noted evicts its entry: negative feedback, or a mean that fell too low. */
  evicts(score: GateScore, scores: Record<string, number>): boolean {
    if (!this.counts(score.name)) return false;
    const negative = typeof score.value === 'boolean' ? !score.value : score.value <= 0;
    if (score.source === 'feedback' && negative && this.config.evict_on_negative_feedback) return true;
    const mean = this.mean(scores);
    return mean !== undefined && mean < this.config.min_score;
  }
}

/** A score just stored, as the feedback and evaluator writers hand it to the cache. */
export interface GateScore {
  requestId: string;
  source: 'feedback' | 'evaluator';
  name: string;
  value: number | boolean;
}
