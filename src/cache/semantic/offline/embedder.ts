// The built-in offline embedder (`semantic.embedding_model: builtin`, and the mock provider's
// `mock-embed`): no model, no network. A text becomes a bag of features — stemmed content words
// read through a small synonym table, word pairs, and character 4-grams (typos, inflections) — each
// hashed with a random sign into a fixed number of dimensions (the "hashing trick"), then scaled to
// unit length. It captures shared wording, not meaning: paraphrases that reuse or inflect the same
// words score high, paraphrases in entirely different words do not (bench/results/semantic-cache.md
// measures how far that goes). Pure: imports nothing of ours.
import { canonicalWords } from './words.ts';

export const builtinDimensions = 256;

// Function words carry little of what a question asks. Negators and "off" are kept (they change the
// answer); "on" is mostly a preposition once "turn on" has become "enable". The veto reads all of
// them from the text itself.
const stopwords = new Set(
  (
    'a an the is are was were be been being am do does did doing have has had having i me my mine we us our ' +
    'you your yours he him his she her it its they them their this that these those what which who whom ' +
    'whose how why when where there here of in on at by for with about to from into onto over under up down ' +
    'out as and or but if then so than too very can could would should will shall may might must just also ' +
    'please kindly tell know want like get got some any one ok okay hi hello hey thanks thank dear'
  ).split(' '),
);

const weights = { word: 1, pair: 0.5, gram: 0.2 };

/** FNV-1a, 32 bits: fast and well spread for short keys. */
function hash(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

function add(vector: Float32Array, feature: string, weight: number): void {
  const h = hash(feature, 0);
  vector[h % vector.length]! += h & 0x80000000 ? -weight : weight;
}

/** The content words of a text (canonical stems), as the embedder sees them. */
export function contentWords(text: string): string[] {
  const all = canonicalWords(text);
  const content = all.filter((w) => !stopwords.has(w));
  // A text of function words only ("what is it?") still needs a vector of its own.
  return content.length > 0 ? content : all;
}

/** A unit vector for `text`; equal texts embed equally, and the empty text as the zero vector. */
export function embedOffline(text: string, dimensions = builtinDimensions): Float32Array {
  const vector = new Float32Array(dimensions);
  const content = contentWords(text);
  for (let i = 0; i < content.length; i++) {
    const word = content[i]!;
    add(vector, `w:${word}`, weights.word);
    if (i > 0) add(vector, `p:${content[i - 1]} ${word}`, weights.pair);
    const padded = `<${word}>`;
    for (let j = 0; j + 4 <= padded.length; j++) add(vector, `g:${padded.slice(j, j + 4)}`, weights.gram);
  }
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += vector[i]! * vector[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dimensions; i++) vector[i]! /= norm;
  return vector;
}

/** Cosine similarity of two unit vectors. */
export function similarity(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
