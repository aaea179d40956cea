// `npm run bench:guardrails`: precision and recall of the offline detectors on the labelled corpus
// (bench/guardrails/corpus.jsonl), and their speed in µs per KB of text. Writes
// bench/results/guardrails.md; `--verbose` also lists every miss and false alarm.

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import {
  type Detector,
  denyListDetector,
  injectionDetector,
  piiDetector,
  piiEntities,
  regexDetector,
  secretEntities,
  secretsDetector,
} from '../src/core/detect/index.ts';
import { forgetPhoneVerdicts } from '../src/core/detect/phone.ts';

interface Sample {
  text: string;
  labels: string[];
  category: 'pii' | 'secrets' | 'injection' | 'benign';
  split: 'train' | 'test';
  note?: string;
}

const verbose = process.argv.includes('--verbose');
const load = (name: string): Sample[] =>
  readFileSync(new URL(`./guardrails/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
const corpus = load('corpus.jsonl');
/** Written after the rules were frozen, never used to tune them (bench/guardrails/unseen.ts). */
const unseen = load('unseen.jsonl');

const targets = { recall: 0.95, precision: 0.95, injectionRecall: 0.8, injectionFpr: 0.02, usPerKb: 50 };

interface Score {
  tp: number;
  fp: number;
  fn: number;
  errors: string[];
}

/** Entity-level counts: every expected entity found is a hit, every extra one a false alarm. */
function scoreEntities(detector: Detector, entities: readonly string[], samples: Sample[] = corpus): Score {
  const score: Score = { tp: 0, fp: 0, fn: 0, errors: [] };
  for (const sample of samples) {
    const expected = sample.labels.filter((l) => entities.includes(l));
    const found = detector.scan(sample.text).map((f) => f.entity);
    const left = [...expected];
    for (const entity of found) {
      const at = left.indexOf(entity);
      if (at >= 0) {
        left.splice(at, 1);
        score.tp++;
      } else {
        score.fp++;
        score.errors.push(`false alarm ${entity}: ${sample.text.slice(0, 140)}`);
      }
    }
    score.fn += left.length;
    for (const entity of left) score.errors.push(`missed ${entity}: ${sample.text.slice(0, 140)}`);
  }
  return score;
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

const pii = scoreEntities(piiDetector(), piiEntities);
const secrets = scoreEntities(secretsDetector(), secretEntities);

function injectionScore(split: 'train' | 'test' | 'all', samples: Sample[] = corpus) {
  const detector = injectionDetector();
  const chosen = samples.filter((s) => split === 'all' || s.split === split);
  const attacks = chosen.filter((s) => s.category === 'injection');
  const benign = chosen.filter((s) => s.category === 'benign');
  const flagged = (s: Sample) => detector.scan(s.text).length > 0;
  const missed = attacks.filter((s) => !flagged(s));
  const alarms = benign.filter(flagged);
  // Other categories (PII, secrets) are ordinary text too: a flag there is also a false alarm.
  const others = chosen.filter((s) => s.category === 'pii' || s.category === 'secrets').filter(flagged);
  return {
    attacks: attacks.length,
    benign: benign.length,
    recall: ratio(attacks.length - missed.length, attacks.length),
    fpr: ratio(alarms.length, benign.length),
    otherAlarms: others.length,
    errors: [
      ...missed.map((s) => `missed: ${s.text.slice(0, 140)}`),
      ...[...alarms, ...others].map((s) => `false alarm: ${s.text.slice(0, 140)}`),
    ],
  };
}
const injectionTest = injectionScore('test');
const injectionAll = injectionScore('all');
const unseenPii = scoreEntities(piiDetector(), piiEntities, unseen);
const unseenSecrets = scoreEntities(secretsDetector(), secretEntities, unseen);
const unseenInjection = injectionScore('all', unseen);

// --- latency ----------------------------------------------------------------------------------
// Realistic prompts: the corpus texts joined into ~4 KB documents, each scanned whole.
const all = corpus.map((s) => s.text).join('\n');
const documents: string[] = [];
for (let at = 0; at < all.length; at += 4096) documents.push(all.slice(at, at + 4096));
const plain =
  'The quarterly report shows revenue grew in every region, with the strongest gains in Europe. '.repeat(45);
const totalKb = documents.reduce((n, d) => n + d.length, 0) / 1024;

/**
 * CPU time of this process (not wall time), best of five rounds after a warm-up: other processes
 * on a shared machine only ever add time, so the fastest round is the closest to the detector's
 * own cost.
 */
function usPerKb(detector: Detector, texts: string[], kb: number): number {
  const warm = performance.now();
  while (performance.now() - warm < 200) for (const t of texts) detector.scan(t);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let runs = 0;
    const before = process.cpuUsage();
    const started = performance.now();
    while (performance.now() - started < 200) {
      for (const t of texts) detector.scan(t);
      runs++;
    }
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / (runs * kb));
  }
  return best;
}

/** The PII detector with its phone-verdict memory emptied before every scan: the first-sight cost. */
const coldPii: Detector = (() => {
  const inner = piiDetector();
  return {
    type: 'pii',
    maxMatchLength: inner.maxMatchLength,
    scan(text) {
      forgetPhoneVerdicts();
      return inner.scan(text);
    },
  };
})();

const detectors: Array<[string, Detector]> = [
  ['pii', piiDetector()],
  ['pii, phone numbers never seen before', coldPii],
  ['secrets', secretsDetector()],
  ['prompt_injection', injectionDetector()],
  [
    'deny_list (20 words)',
    denyListDetector({
      words: [
        'project falcon',
        'Águila',
        'codename',
        'confidential',
        'acme merger',
        'blue harbor',
        'nightjar',
        'kestrel',
        'project x',
        'zephyr',
        'orion deal',
        'red team',
        'payroll',
        'salary bands',
        'layoffs',
        'reorg',
        'q4 forecast',
        'board deck',
        'm&a',
        'tender',
      ],
    }),
  ],
  [
    'regex (3 patterns)',
    regexDetector({
      patterns: [
        { name: 'ticket', pattern: '\\bTCK-\\d{6}\\b' },
        { name: 'employee', pattern: '\\bEMP\\d{5}\\b' },
        { name: 'project', pattern: 'proyecto [a-z]+' },
      ],
    }),
  ],
];
const latency = detectors.map(([name, d]) => ({
  name,
  corpus: usPerKb(d, documents, totalKb),
  plain: usPerKb(d, [plain], plain.length / 1024),
}));

// --- report -----------------------------------------------------------------------------------
const miss = (value: number, target: number, higherIsBetter: boolean) => {
  const ok = higherIsBetter ? value >= target : value <= target;
  if (ok) return 'met';
  return `missed by ${higherIsBetter ? ((target - value) * 100).toFixed(1) : ((value - target) * 100).toFixed(1)} points`;
};
const speedVerdict = (corpusUs: number, proseUs: number) => {
  const over = (x: number) => `missed by ${(x - targets.usPerKb).toFixed(1)} µs/KB`;
  if (corpusUs <= targets.usPerKb) return 'met on both';
  return `prose ${proseUs <= targets.usPerKb ? 'met' : over(proseUs)}; corpus ${over(corpusUs)}`;
};
const entityRow = (name: string, s: Score) => {
  const p = ratio(s.tp, s.tp + s.fp);
  const r = ratio(s.tp, s.tp + s.fn);
  return `| ${name} | ${s.tp + s.fn} | ${s.tp} | ${s.fp} | ${s.fn} | ${p.toFixed(3)} | ${r.toFixed(3)} | precision ${miss(p, targets.precision, true)}; recall ${miss(r, targets.recall, true)} |`;
};
const counts = ['pii', 'secrets', 'injection', 'benign']
  .map((c) => `${corpus.filter((s) => s.category === c).length} ${c}`)
  .join(', ');

const report = `# Guardrail detectors: accuracy and speed

Reference run of \`npm run bench:guardrails\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} during the run).
Corpus: \`bench/guardrails/corpus.jsonl\`, ${corpus.length} samples (${counts}), generated by
\`bench/guardrails/make-corpus.ts\`. How the detectors work: [docs/guardrails-detectors.md](../../docs/guardrails-detectors.md).

Targets: PII and secrets recall ≥ ${targets.recall} at precision ≥ ${targets.precision}; injection recall ≥
${targets.injectionRecall} at a false-positive rate ≤ ${pct(targets.injectionFpr)} on the benign set; offline
detectors ≤ ${targets.usPerKb} µs per KB.

## PII and secrets (entity level, all samples)

Every labelled entity in every sample counts (a secrets sample that contains an email counts for
PII too); near-misses and look-alikes are samples with no label of that kind.

| detector | entities | found | false alarms | missed | precision | recall | against target |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${entityRow('pii', pii)}
${entityRow('secrets', secrets)}

## Prompt injection (default threshold 0.5)

The classifier was trained on the \`train\` split only, so the \`test\` row is held out for it. The
phrase rules were written and revised with the whole corpus in view, misses of the test split
included, so for them the corpus rows are optimistic: the unseen set below is the honest figure.

| split | attacks | benign | recall | false-positive rate (benign) | PII/secrets samples flagged | against target |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
| test (held out) | ${injectionTest.attacks} | ${injectionTest.benign} | ${injectionTest.recall.toFixed(3)} | ${pct(injectionTest.fpr)} | ${injectionTest.otherAlarms} | recall ${miss(injectionTest.recall, targets.injectionRecall, true)}; FPR ${miss(injectionTest.fpr, targets.injectionFpr, false)} |
| all | ${injectionAll.attacks} | ${injectionAll.benign} | ${injectionAll.recall.toFixed(3)} | ${pct(injectionAll.fpr)} | ${injectionAll.otherAlarms} | recall ${miss(injectionAll.recall, targets.injectionRecall, true)}; FPR ${miss(injectionAll.fpr, targets.injectionFpr, false)} |

## Unseen set: the honest estimate

\`bench/guardrails/unseen.jsonl\` (${unseen.length} samples, \`bench/guardrails/unseen.ts\`) was written after the
rules were frozen and the classifier trained, and nothing was tuned on it afterwards. Its misses are
listed under "Errors" and left as they are; a later change that fixes them must add a new unseen set.

| detector | expected | found | false alarms | missed | precision | recall | against target |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${entityRow('pii', unseenPii)}
${entityRow('secrets', unseenSecrets)}

| prompt injection | attacks | benign | recall | false-positive rate (benign) | PII/secrets samples flagged | against target |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
| unseen | ${unseenInjection.attacks} | ${unseenInjection.benign} | ${unseenInjection.recall.toFixed(3)} | ${pct(unseenInjection.fpr)} | ${unseenInjection.otherAlarms} | recall ${miss(unseenInjection.recall, targets.injectionRecall, true)}; FPR ${miss(unseenInjection.fpr, targets.injectionFpr, false)} |

## Speed (µs of CPU per KB of text, lower is better)

"corpus" scans the corpus joined into 4 KB documents: far denser in numbers, keys, addresses and
attack phrases than real traffic, so it is the expensive case. "prose" scans 4 KB of plain
English, the common case. Measured as this process's CPU time, best of five rounds, so other
load on the machine inflates it less than wall time would (it still shares caches and memory
bandwidth).

| detector | corpus | prose | against target |
| --- | ---: | ---: | --- |
${latency.map((l) => `| ${l.name} | ${l.corpus.toFixed(1)} | ${l.plain.toFixed(1)} | ${speedVerdict(l.corpus, l.plain)} |`).join('\n')}

## Errors in this run

${
  [
    ...pii.errors.map((e) => `- pii ${e}`),
    ...secrets.errors.map((e) => `- secrets ${e}`),
    ...injectionAll.errors.map((e) => `- injection ${e}`),
    ...unseenPii.errors.map((e) => `- unseen pii ${e}`),
    ...unseenSecrets.errors.map((e) => `- unseen secrets ${e}`),
    ...unseenInjection.errors.map((e) => `- unseen injection ${e}`),
  ]
    .map((e) => e.replace(/\n/g, '⏎'))
    .join('\n') || 'None.'
}
`;

const out = new URL('./results/guardrails.md', import.meta.url);
writeFileSync(out, report);
console.log(report.split('## Errors')[0]);
if (verbose) console.log(report.split('## Errors')[1]);
console.log(`written to ${out.pathname}`);
