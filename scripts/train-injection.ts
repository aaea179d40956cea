// Trains the prompt-injection classifier: logistic regression over the hashed features of
// src/core/detect/injection-model.ts, on the `train` split of bench/guardrails/corpus.jsonl only
// (injection samples are positives; benign, PII and secrets samples are ordinary text). Writes
// src/core/detect/injection-model.json, which ships with the package.
//
//   node scripts/train-injection.ts            train and write the weights
//   node scripts/train-injection.ts --check    train, report on the test split, write nothing

import { readFileSync, writeFileSync } from 'node:fs';
import {
  classifyWith,
  compile,
  forEachFeature,
  type InjectionModel,
} from '../src/core/detect/injection-model.ts';
import { fold } from '../src/core/detect/normalize.ts';

interface Sample {
  text: string;
  category: string;
  split: 'train' | 'test';
}

const buckets = 1 << 18;
const epochs = 400;
const learningRate = 0.3;
const l2 = 2e-3;
/** Weights smaller than this are dropped from the file: they move no score by a visible amount. */
const keepAbove = 0.02;

const corpus: Sample[] = readFileSync(new URL('../bench/guardrails/corpus.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));

const examples = (split: 'train' | 'test') =>
  corpus
    .filter((s) => s.split === split)
    .map((s) => ({
      x: featuresOf(fold(s.text).text),
      y: s.category === 'injection' ? 1 : 0,
      text: s.text,
    }));

/** Training samples are short (one window): their distinct features, as inference counts them. */
function featuresOf(folded: string): number[] {
  const out = new Set<number>();
  forEachFeature(folded, 0, folded.length, buckets, (bucket) => out.add(bucket));
  return [...out];
}

const train = examples('train');
const positives = train.filter((e) => e.y === 1).length;
// Attacks are the minority: weigh them up so both classes pull equally.
const positiveWeight = (train.length - positives) / positives;

const weights = new Float64Array(buckets);
let bias = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  const gradient = new Map<number, number>();
  let biasGradient = 0;
  for (const { x, y } of train) {
    let z = bias;
    for (const f of x) z += weights[f]!;
    const p = 1 / (1 + Math.exp(-z));
    const error = (p - y) * (y === 1 ? positiveWeight : 1);
    biasGradient += error;
    for (const f of x) gradient.set(f, (gradient.get(f) ?? 0) + error);
  }
  for (const [f, g] of gradient) weights[f] = weights[f]! - (learningRate * g) / train.length;
  // L2 shrinks every trained weight a little each epoch (sparse: only ever-touched buckets are non-zero).
  for (const f of gradient.keys()) weights[f] = weights[f]! * (1 - learningRate * l2);
  bias -= (learningRate * biasGradient) / train.length;
}

const model: InjectionModel = { buckets, bias: round(bias), weights: {} };
for (let f = 0; f < buckets; f++)
  if (Math.abs(weights[f]!) >= keepAbove) model.weights[f] = round(weights[f]!);

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function report(split: 'train' | 'test') {
  const rows = examples(split);
  const compiled = compile(model);
  let tp = 0;
  let fp = 0;
  let pos = 0;
  let neg = 0;
  for (const { y, text } of rows) {
    const p = classifyWith(compiled, fold(text).text);
    if (y === 1) {
      pos++;
      if (p >= 0.5) tp++;
    } else {
      neg++;
      if (p >= 0.5) fp++;
    }
  }
  console.log(
    `${split}: model alone recall ${(tp / pos).toFixed(3)} (${tp}/${pos}), false positives ${(fp / neg).toFixed(3)} (${fp}/${neg})`,
  );
}
report('train');
report('test');
console.log(`${Object.keys(model.weights).length} weights kept of ${buckets} buckets`);
if (!process.argv.includes('--check')) {
  const out = new URL('../src/core/detect/injection-model.json', import.meta.url);
  writeFileSync(out, `${JSON.stringify(model)}\n`);
  console.log(`written to ${out.pathname}`);
}
