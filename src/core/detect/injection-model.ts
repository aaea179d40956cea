// A logistic-regression classifier over hashed word and character n-grams of folded text. The
// weights (injection-model.json) are trained by scripts/train-injection.ts on the train split of
// bench/guardrails/corpus.jsonl; the feature extraction here is the one the trainer uses, so the
// two cannot drift apart. Features are hashed straight from the text's character codes, without
// building substrings, because this runs on every guarded request.

import model from './injection-model.json' with { type: 'json' };

export interface InjectionModel {
  buckets: number;
  bias: number;
  /** bucket → weight, only the buckets that training left non-zero. */
  weights: Record<string, number>;
}

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;

/** Letters and digits (any non-ASCII character counts as a letter: folded text has few). */
function isWordChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 95 || code >= 128;
}

/** Characters attacks use as delimiters (`<|im_start|>`, `### Instruction`, `[INST]`): tokens of their own. */
function isMarkChar(code: number): boolean {
  return (
    code === 60 ||
    code === 62 ||
    code === 124 ||
    code === 35 ||
    code === 91 ||
    code === 93 ||
    code === 123 ||
    code === 125 ||
    code === 58
  );
}

/**
 * Calls `visit(bucket)` for each feature of text[from, to): every word, every pair of consecutive
 * words, and the character 4-grams of words longer than four characters (with the word's edges
 * marked, as " word "). A feature is visited as often as it occurs; callers count it once.
 */
export function forEachFeature(
  text: string,
  from: number,
  to: number,
  buckets: number,
  visit: (bucket: number) => void,
): void {
  let previous = 0;
  let havePrevious = false;
  let i = from;
  while (i < to) {
    const code = text.charCodeAt(i);
    const word = isWordChar(code);
    if (!word && !isMarkChar(code)) {
      i++;
      continue;
    }
    const start = i;
    while (i < to && (word ? isWordChar(text.charCodeAt(i)) : isMarkChar(text.charCodeAt(i)))) i++;
    let h = fnvOffset ^ 1;
    for (let k = start; k < i; k++) h = Math.imul(h ^ text.charCodeAt(k), fnvPrime);
    h >>>= 0;
    visit(h % buckets);
    if (havePrevious) visit(mixPair(previous, h) % buckets);
    previous = h;
    havePrevious = true;
    const length = i - start;
    if (length > 4) {
      // 4-grams of " word ": positions start-1 … i-3, the edges read as a space.
      for (let g = start - 1; g + 4 <= i + 1; g++) {
        let q = fnvOffset ^ 3;
        for (let k = g; k < g + 4; k++)
          q = Math.imul(q ^ (k < start || k >= i ? 32 : text.charCodeAt(k)), fnvPrime);
        visit((q >>> 0) % buckets);
      }
    }
  }
}

function mixPair(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Longer texts are judged window by window, so a benign page cannot dilute one injected line. */
const windowSize = 600;
const overlap = 100;

export interface CompiledModel {
  buckets: number;
  bias: number;
  weights: Float32Array;
  seen: Uint32Array;
  stamp: number;
}

export function compile(trained: InjectionModel): CompiledModel {
  const weights = new Float32Array(trained.buckets);
  for (const [bucket, weight] of Object.entries(trained.weights)) weights[Number(bucket)] = weight;
  return {
    buckets: trained.buckets,
    bias: trained.bias,
    weights,
    seen: new Uint32Array(trained.buckets),
    stamp: 0,
  };
}

function nextStamp(compiled: CompiledModel): number {
  compiled.stamp = compiled.stamp >= 0xfffffffe ? 1 : compiled.stamp + 1;
  if (compiled.stamp === 1) compiled.seen.fill(0);
  return compiled.stamp;
}

export function classifyWith(compiled: CompiledModel, folded: string): number {
  if (compiled.buckets === 0) return 0;
  const { weights, buckets } = compiled;
  let best = 0;
  let z = 0;
  // A feature counts once per window (as in training), however often a long text repeats it;
  // `seen` marks the buckets counted in the current window without clearing between windows.
  const seen = compiled.seen;
  let stamp = 0;
  const add = (bucket: number) => {
    if (seen[bucket] === stamp) return;
    seen[bucket] = stamp;
    z += weights[bucket]!;
  };
  for (let start = 0; start < folded.length; start += windowSize) {
    stamp = nextStamp(compiled);
    z = compiled.bias;
    // Windows overlap, so a phrase cut at a boundary is whole in one of them.
    forEachFeature(
      folded,
      Math.max(0, start - overlap),
      Math.min(folded.length, start + windowSize),
      buckets,
      add,
    );
    const p = 1 / (1 + Math.exp(-z));
    if (p > best) best = p;
  }
  return best;
}

const shipped = compile(model as InjectionModel);

export function classifyInjection(folded: string): number {
  return classifyWith(shipped, folded);
}
