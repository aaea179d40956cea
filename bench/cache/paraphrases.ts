// Precision and recall of "same answer" on the labelled paraphrase set (paraphrases.jsonl) with the
// offline embedder, at several thresholds, with and without the veto. A pair is predicted "same"
// when its similarity is at or above the threshold and (with the veto) nothing vetoes it. Precision
// is the share of predicted-same pairs that are labelled same (1 − the false-hit share of served
// answers); recall the share of labelled-same pairs found. `npm run bench:semantic`.
import { readFileSync } from 'node:fs';
import { embedOffline, similarity } from '../../src/cache/semantic/offline/embedder.ts';
import { vetoReason, vetoSignature } from '../../src/cache/semantic/veto.ts';

interface Pair {
  a: string;
  b: string;
  same: boolean;
  kind: 'paraphrase' | 'related' | 'number' | 'negation' | 'antonym';
}

const file = new URL('./paraphrases.jsonl', import.meta.url);
const pairs: Pair[] = readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const scored = pairs.map((pair) => ({
  ...pair,
  similarity: similarity(embedOffline(pair.a), embedOffline(pair.b)),
  vetoed: vetoReason(vetoSignature(pair.a), vetoSignature(pair.b)) !== undefined,
}));

const kinds = ['paraphrase', 'related', 'number', 'negation', 'antonym'] as const;
const counts = kinds.map((kind) => `${scored.filter((p) => p.kind === kind).length} ${kind}`).join(', ');
const thresholds = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`);

function row(threshold: number, veto: boolean): string {
  const served = (p: (typeof scored)[number]) => p.similarity >= threshold && !(veto && p.vetoed);
  const tp = scored.filter((p) => p.same && served(p)).length;
  const fp = scored.filter((p) => !p.same && served(p)).length;
  const positives = scored.filter((p) => p.same).length;
  const precision = tp / (tp + fp);
  const recall = tp / positives;
  const f1 = (2 * precision * recall) / (precision + recall);
  const wrong = kinds
    .filter((k) => k !== 'paraphrase')
    .map((k) => scored.filter((p) => p.kind === k && served(p)).length);
  return `| ${threshold.toFixed(2)} | ${veto ? 'on' : 'off'} | ${pct(precision)} | ${pct(recall)} | ${pct(f1)} | ${tp} | ${fp} | ${wrong.join(' / ')} |`;
}

console.log(`Pairs: ${scored.length} (${counts}); embedder: builtin (offline, 256 dimensions).\n`);
console.log(
  '| threshold | veto | precision | recall | F1 | same served | wrong served | wrong by kind: related / number / negation / antonym |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const veto of [true, false]) for (const t of thresholds) console.log(row(t, veto));

const vetoedSame = scored.filter((p) => p.same && p.vetoed);
console.log(
  `\nParaphrases the veto refuses (a cost in recall): ${vetoedSame.length} of ${scored.filter((p) => p.same).length}`,
);
for (const p of vetoedSame) console.log(`- "${p.a}" / "${p.b}"`);
const nearMisses = scored.filter((p) => ['number', 'negation', 'antonym'].includes(p.kind) && !p.vetoed);
console.log(`\nNear-misses the veto lets through: ${nearMisses.length}`);
for (const p of nearMisses) console.log(`- ${p.similarity.toFixed(3)} "${p.a}" / "${p.b}"`);
