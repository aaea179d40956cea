// The deterministic evaluators: each scores an answer's text from 0 (bad) to 1 (good). Pure and
// cheap; they run off the request path all the same, beside the judge.
import { z } from 'zod';
import type { EvaluatorConfig } from '../config/schema.ts';

export type Check = (text: string) => number;

// Phrases models use to decline; matched near the start of the answer, where refusals sit.
const refusalPattern =
  /\b(I(?:'m| am) (?:sorry|unable|not able)|I can(?:no|')t (?:help|assist|provide|do|comply)|I won't|I must decline|as an AI(?: language model)?|I'm not comfortable)\b/i;

// A few of the commonest words of each language: enough to tell them apart on a paragraph.
const stopwords: Record<string, string[]> = {
  en: ['the', 'and', 'is', 'you', 'to', 'of', 'it', 'that', 'your', 'with', 'for', 'this'],
  fr: ['le', 'la', 'les', 'et', 'est', 'vous', 'de', 'des', 'une', 'pour', 'que', 'pas'],
  de: ['der', 'die', 'das', 'und', 'ist', 'sie', 'nicht', 'mit', 'ein', 'eine', 'zu', 'ich'],
  es: ['el', 'la', 'los', 'y', 'es', 'usted', 'de', 'que', 'para', 'una', 'por', 'con'],
  it: ['il', 'la', 'e', 'è', 'di', 'che', 'per', 'una', 'non', 'sono', 'con', 'gli'],
  pt: ['o', 'a', 'os', 'e', 'é', 'de', 'que', 'para', 'uma', 'não', 'com', 'você'],
  nl: ['de', 'het', 'en', 'is', 'een', 'van', 'niet', 'u', 'je', 'voor', 'met', 'dat'],
};

/** The most likely language of the text among those known, or undefined when no word is telling. */
export function detectLanguage(text: string): string | undefined {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best: string | undefined;
  let bestCount = 0;
  for (const [lang, list] of Object.entries(stopwords)) {
    const set = new Set(list);
    let count = 0;
    for (const w of words.slice(0, 500)) if (set.has(w)) count++;
    if (count > bestCount) {
      best = lang;
      bestCount = count;
    }
  }
  return best;
}

export function isRefusal(text: string): boolean {
  return refusalPattern.test(text.slice(0, 300));
}

/** A check for a deterministic evaluator; undefined for llm_judge (it is a model call). */
export function deterministicCheck(e: EvaluatorConfig): Check | undefined {
  switch (e.type) {
    case 'json_valid':
      return (text) => (parseJson(text) === undefined ? 0 : 1);
    case 'json_schema': {
      const schema = z.fromJSONSchema(e.schema as Parameters<typeof z.fromJSONSchema>[0]);
      return (text) => {
        const value = parseJson(text);
        return value !== undefined && schema.safeParse(value.value).success ? 1 : 0;
      };
    }
    case 'regex': {
      const pattern = new RegExp(e.pattern, e.flags);
      return (text) => (pattern.test(text) ? 1 : 0);
    }
    case 'length':
      return (text) =>
        (e.min_chars === undefined || text.length >= e.min_chars) &&
        (e.max_chars === undefined || text.length <= e.max_chars)
          ? 1
          : 0;
    case 'refusal':
      // 1 is good: the answer is not a refusal.
      return (text) => (isRefusal(text) ? 0 : 1);
    case 'language':
      return (text) => {
        const lang = detectLanguage(text);
        return lang !== undefined && e.expected.includes(lang as (typeof e.expected)[number]) ? 1 : 0;
      };
    case 'llm_judge':
      return undefined;
  }
}

/** The answer as JSON (a fenced ```json block allowed), or undefined when it is not JSON. */
function parseJson(text: string): { value: unknown } | undefined {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  try {
    return { value: JSON.parse(fenced ? fenced[1]! : text) };
  } catch {
    return undefined;
  }
}

/** The judge's score: the first number in its answer, on 0..1 (a 0..10 or 0..100 scale is scaled). */
export function parseJudgeScore(text: string): number | undefined {
  const match = /-?\d+(?:\.\d+)?/.exec(text);
  if (!match) return undefined;
  let n = Number(match[0]);
  if (n > 1 && n <= 10) n /= 10;
  else if (n > 10 && n <= 100) n /= 100;
  return n >= 0 && n <= 1 ? n : undefined;
}

export function judgePrompt(rubric: string, input: string, answer: string): string {
  return [
    "You grade an AI assistant's answer against a rubric.",
    `Rubric: ${rubric}`,
    `Question:\n${input}`,
    `Answer:\n${answer}`,
    'Reply with only a score from 0 (fails the rubric) to 1 (fully meets it), e.g. 0.8.',
  ].join('\n\n');
}
