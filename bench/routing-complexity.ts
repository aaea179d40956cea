// The complexity score against the labelled prompts in bench/routing/complexity.jsonl: accuracy at
// the documented threshold, the confusion matrix, and what a rule `complexity: { below: T }` →
// small model would move: the share of requests, and the share of cost, at list prices.
//
//   npm run bench:complexity              # prints the report
//   npm run bench:complexity -- --write   # and writes bench/results/complexity.{md,json}
import { readFileSync, writeFileSync } from 'node:fs';
import { estimateTokens } from '../src/core/ir/estimate.ts';
import { PriceBook } from '../src/governance/index.ts';
import { complexityFeatures, complexityScore, complexThreshold } from '../src/routing/complexity.ts';

interface Labelled {
  id: string;
  label: 'simple' | 'complex';
  prompt: string;
  tools: boolean;
}

const here = new URL('.', import.meta.url).pathname;
const rows: Labelled[] = readFileSync(`${here}routing/complexity.jsonl`, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));

// The two models a deployment might route between, priced from the built-in list.
const large = { type: 'openai', model: 'gpt-4.1' };
const small = { type: 'openai', model: 'gpt-4.1-mini' };
// Answers are not in the set: an assumed length per class (complex questions get longer answers).
const outputTokens = { simple: 150, complex: 800 } as const;
const prices = new PriceBook();

function evaluate(threshold: number) {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let costAllLarge = 0;
  let costRouted = 0;
  let costMoved = 0;
  let moved = 0;
  for (const row of rows) {
    const score = complexityScore(row.prompt, row.tools);
    const complex = score >= threshold;
    if (row.label === 'complex') complex ? tp++ : fn++;
    else complex ? fp++ : tn++;
    const usage = { inputTokens: estimateTokens(row.prompt) + 20, outputTokens: outputTokens[row.label] };
    const onLarge = prices.cost(large.type, large.model, usage) ?? 0;
    const onSmall = prices.cost(small.type, small.model, usage) ?? 0;
    costAllLarge += onLarge;
    if (complex) costRouted += onLarge;
    else {
      costRouted += onSmall;
      costMoved += onLarge;
      moved++;
    }
  }
  const n = rows.length;
  return {
    threshold,
    accuracy: (tp + tn) / n,
    precision: tp / Math.max(1, tp + fp),
    recall: tp / Math.max(1, tp + fn),
    confusion: { complex_as_complex: tp, simple_as_complex: fp, simple_as_simple: tn, complex_as_simple: fn },
    traffic_moved: moved / n,
    cost_moved: costMoved / costAllLarge,
    cost_saved: (costAllLarge - costRouted) / costAllLarge,
  };
}

function timing(): number {
  const rounds = 20;
  const started = process.hrtime.bigint();
  let sink = 0;
  for (let r = 0; r < rounds; r++) for (const row of rows) sink += complexityScore(row.prompt, row.tools);
  const ns = Number(process.hrtime.bigint() - started) / (rounds * rows.length);
  if (sink < 0) console.log(sink);
  return ns / 1000;
}

const at = evaluate(complexThreshold);
const sweep = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map(evaluate);
const counts = {
  simple: rows.filter((r) => r.label === 'simple').length,
  complex: rows.filter((r) => r.label === 'complex').length,
};
const misses = rows
  .map((r) => ({ ...r, score: complexityScore(r.prompt, r.tools) }))
  .filter((r) => r.score >= complexThreshold !== (r.label === 'complex'))
  .map((r) => ({
    id: r.id,
    label: r.label,
    score: Math.round(r.score * 1000) / 1000,
    features: complexityFeatures(r.prompt, r.tools),
    prompt: r.prompt.slice(0, 90),
  }));
const microseconds = timing();
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

const md = [
  '# Complexity score on the labelled prompts',
  '',
  `${rows.length} prompts (${counts.simple} simple, ${counts.complex} complex) from \`bench/routing/complexity.jsonl\`; `,
  `score from \`src/routing/complexity.ts\`, "complex" at score ≥ ${complexThreshold}. Produced by \`npm run bench:complexity -- --write\`.`,
  '',
  '| | value |',
  '| --- | --- |',
  `| accuracy | ${pct(at.accuracy)} |`,
  `| precision (complex) | ${pct(at.precision)} |`,
  `| recall (complex) | ${pct(at.recall)} |`,
  `| complex prompts sent to the small model | ${at.confusion.complex_as_simple} of ${counts.complex} |`,
  `| simple prompts kept on the large model | ${at.confusion.simple_as_complex} of ${counts.simple} |`,
  `| requests moved to the small model | ${pct(at.traffic_moved)} |`,
  `| cost moved (what those requests cost on the large model) | ${pct(at.cost_moved)} |`,
  `| cost saved (${small.model} instead of ${large.model} for them) | ${pct(at.cost_saved)} |`,
  `| time to score one prompt | ${microseconds.toFixed(1)} µs |`,
  '',
  `Costs use the built-in list prices of ${large.type}/${large.model} and ${small.type}/${small.model}, the prompt's`,
  `estimated input tokens (+20 for the chat framing) and an assumed answer of ${outputTokens.simple} tokens for a simple`,
  `prompt and ${outputTokens.complex} for a complex one. Cost shares are of the total had every request gone to the large model.`,
  '',
  '## By threshold',
  '',
  '| threshold | accuracy | recall (complex) | requests moved | cost saved |',
  '| --- | --- | --- | --- | --- |',
  ...sweep.map(
    (s) =>
      `| ${s.threshold} | ${pct(s.accuracy)} | ${pct(s.recall)} | ${pct(s.traffic_moved)} | ${pct(s.cost_saved)} |`,
  ),
  '',
  '## Misclassified at the threshold',
  '',
  '| id | label | score | prompt |',
  '| --- | --- | --- | --- |',
  ...misses.map(
    (m) => `| ${m.id} | ${m.label} | ${m.score} | ${m.prompt.replace(/\n/g, ' ').replace(/\|/g, '\\|')}… |`,
  ),
  '',
].join('\n');

console.log(md);
if (process.argv.includes('--write')) {
  writeFileSync(`${here}results/complexity.md`, md);
  writeFileSync(
    `${here}results/complexity.json`,
    `${JSON.stringify({ prompts: rows.length, counts, ...at, microseconds_per_score: microseconds, sweep, misses }, null, 2)}\n`,
  );
}
