// Self-calibration: a sampled share of would-be semantic hits still goes upstream, and the fresh
// answer is compared with the cached one. Where they disagree, the cache would have served a wrong
// answer: the share of such cases per model and team is the measured false-hit rate, the evidence a
// threshold is tuned from. Answers agree when their normalised texts are equal, or, for answers
// longer than a short label, when their embeddings are at least as similar as the threshold asks
// of prompts and their numbers agree (an answer that differs only in a dose differs).
import { vetoSignature } from './veto.ts';
import { normalise } from './offline/words.ts';

/** Answers up to this many characters are labels or one-liners: they must match exactly. */
export const shortAnswer = 80;

export interface CalibrationRow {
  model: string;
  team: string;
  samples: number;
  falseHits: number;
  /** Mean prompt similarity of the sampled would-be hits, and of those that were wrong. */
  meanSimilarity: number;
  meanFalseHitSimilarity: number | null;
}

interface Tally {
  samples: number;
  falseHits: number;
  similarity: number;
  falseHitSimilarity: number;
}

export class Calibration {
  readonly #tallies = new Map<string, Tally & { model: string; team: string }>();

  record(model: string, team: string, similarity: number, agreed: boolean): void {
    const name = `${model}\n${team}`;
    let tally = this.#tallies.get(name);
    if (!tally) {
      tally = { model, team, samples: 0, falseHits: 0, similarity: 0, falseHitSimilarity: 0 };
      this.#tallies.set(name, tally);
    }
    tally.samples++;
    tally.similarity += similarity;
    if (!agreed) {
      tally.falseHits++;
      tally.falseHitSimilarity += similarity;
    }
  }

  rows(): CalibrationRow[] {
    return [...this.#tallies.values()]
      .map((t) => ({
        model: t.model,
        team: t.team,
        samples: t.samples,
        falseHits: t.falseHits,
        meanSimilarity: t.similarity / t.samples,
        meanFalseHitSimilarity: t.falseHits > 0 ? t.falseHitSimilarity / t.falseHits : null,
      }))
      .sort((a, b) => a.model.localeCompare(b.model) || a.team.localeCompare(b.team));
  }
}

/** Text compared for agreement: case, accents, punctuation and spacing left out. */
export function comparable(text: string): string {
  return normalise(text)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Whether two answers agree, given a way to measure the similarity of longer ones. */
export async function answersAgree(
  cached: string,
  fresh: string,
  threshold: number,
  similarityOf: (a: string, b: string) => Promise<number>,
): Promise<boolean> {
  const a = comparable(cached);
  const b = comparable(fresh);
  if (a === b) return true;
  if (a.length <= shortAnswer || b.length <= shortAnswer) return false;
  if (vetoSignature(cached).numbers.join(' ') !== vetoSignature(fresh).numbers.join(' ')) return false;
  return (await similarityOf(cached, fresh)) >= threshold;
}
