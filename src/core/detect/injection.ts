// Prompt injection: phrase rules (injection-rules.ts) and a small classifier (injection-model.ts,
// weights in injection-model.json, trained by scripts/train-injection.ts) both score the folded
// text; the two are combined as independent evidence, 1 − (1 − rules)(1 − vote), where the vote
// is the classifier's probability above a floor (see scoreInjection). Nothing is downloaded: the
// weights ship in the package.

import { injectionRules, isQuoted } from './injection-rules.ts';
import { classifyInjection } from './injection-model.ts';
import { fold, originalSpan } from './normalize.ts';
import type { Detector, Finding } from './types.ts';

export const defaultInjectionThreshold = 0.5;

const quotedDiscount = 0.3;
const modelFloor = 0.4;

export interface InjectionScore {
  score: number;
  rules: number;
  model: number;
  /** Folded span of the strongest rule match, if any rule matched. */
  span?: { start: number; end: number };
}

// One pass finds which rules' trigger words occur; only those rules run. The lookahead matches at
// every position where a trigger starts, longest first; a shorter trigger inside the one found
// (`ignor` in `ignora`) is credited through `covers`.
const triggers = [...new Set(injectionRules.flatMap((rule) => rule.triggers))].sort(
  (a, b) => b.length - a.length,
);
const triggerPattern = new RegExp(
  `(?=(${triggers.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}))`,
  'g',
);
const covers = new Map(
  triggers.map((found) => [
    found,
    injectionRules.map((rule) => rule.triggers.some((t) => found.includes(t))),
  ]),
);

function triggeredRules(folded: string): boolean[] {
  const present: boolean[] = new Array(injectionRules.length).fill(false);
  for (const match of folded.matchAll(triggerPattern)) {
    const marks = covers.get(match[1]!)!;
    for (let r = 0; r < marks.length; r++) if (marks[r]) present[r] = true;
  }
  return present;
}

export function scoreInjection(folded: string): InjectionScore {
  let strongest = 0;
  let quotedOnly = true;
  let span: { start: number; end: number } | undefined;
  let miss = 1;
  const present = triggeredRules(folded);
  for (let r = 0; r < injectionRules.length; r++) {
    if (!present[r]) continue;
    const rule = injectionRules[r]!;
    rule.pattern.lastIndex = 0;
    const match = rule.pattern.exec(folded);
    if (match === null) continue;
    const end = match.index + match[0].length;
    // A quoted phrase is usually a mention (a test, a translation, a question about attacks).
    const quoted = isQuoted(folded, match.index, end);
    if (!quoted) quotedOnly = false;
    const weight = quoted ? rule.weight * quotedDiscount : rule.weight;
    miss *= 1 - weight;
    if (weight > strongest) {
      strongest = weight;
      span = { start: match.index, end };
    }
  }
  const rules = 1 - miss;
  const model = classifyInjection(folded);
  // The classifier learned from a few hundred samples: below modelFloor its vote is noise (plain
  // questions about "previous instructions" land there), so it counts from the floor up. When the
  // only phrase found was quoted, the text is talking about an attack, and the same words are
  // what the classifier saw, so its vote is halved too.
  let vote = Math.max(0, (model - modelFloor) / (1 - modelFloor));
  if (quotedOnly && strongest > 0) vote *= 0.5;
  return { score: 1 - (1 - rules) * (1 - vote), rules, model, ...(span ? { span } : {}) };
}

export function injectionDetector(options: { threshold?: number } = {}): Detector {
  const threshold = options.threshold ?? defaultInjectionThreshold;
  if (!(threshold >= 0 && threshold <= 1))
    throw new Error('prompt_injection threshold must be between 0 and 1');
  return {
    type: 'prompt_injection',
    // A verdict is about the whole text; streamed text is judged on what has arrived.
    maxMatchLength: 2048,
    scan(text) {
      if (text.length === 0) return [];
      const folded = fold(text);
      const { score, span } = scoreInjection(folded.text);
      if (score < threshold) return [];
      const where = span ? originalSpan(folded, span.start, span.end) : { start: 0, end: text.length };
      const finding: Finding = {
        entity: 'prompt_injection',
        ...where,
        score: Math.round(score * 1000) / 1000,
      };
      return [finding];
    },
  };
}
