import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seeded } from '../../test/helpers/seeded.ts';
import { compareWindows, defaultThresholds, type Embed } from './compare.ts';
import type { Sample } from './features.ts';
import { embedderFor } from './embed.ts';

const billing = [
  'invoice',
  'refund',
  'charge',
  'card',
  'payment',
  'subscription',
  'price',
  'receipt',
  'billing',
  'plan',
];
const account = [
  'password',
  'login',
  'email',
  'account',
  'reset',
  'profile',
  'username',
  'verify',
  'locked',
  'sign',
];
const legal = [
  'contract',
  'liability',
  'clause',
  'lawsuit',
  'court',
  'attorney',
  'statute',
  'damages',
  'plaintiff',
  'jurisdiction',
];

interface Traffic {
  /** Median input tokens. */
  inputMedian: number;
  refusalRate: number;
  /** Share of questions about the new topic. */
  legalShare: number;
}

function traffic(random: () => number, n: number, shape: Traffic): Sample[] {
  const pickOf = (list: string[]) => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const topicWords = random() < shape.legalShare ? legal : random() < 0.5 ? billing : account;
    const text = `question about ${pickOf(topicWords)} ${pickOf(topicWords)} and ${pickOf(topicWords)}`;
    const refused = random() < shape.refusalRate;
    return {
      requestId: `r${i}`,
      inputTokens: Math.round(shape.inputMedian * Math.exp(0.5 * z)),
      outputTokens: Math.round(200 * Math.exp(0.5 * Math.cos(i))),
      finishReason: refused ? 'content_filter' : 'stop',
      refusal: refused,
      toolCall: random() < 0.1,
      outcome: random() < 0.01 ? 'upstream_error' : 'ok',
      latencyMs: 400 + random() * 400,
      text,
      language: 'en',
    };
  });
}

const stable: Traffic = { inputMedian: 150, refusalRate: 0.02, legalShare: 0 };
const embed = embedderFor('builtin') as Embed;

async function drifted(seed: number, recent: Traffic): Promise<string[]> {
  const random = seeded(seed);
  const results = await compareWindows({
    baseline: traffic(random, 1500, stable),
    recent: traffic(random, 300, recent),
    thresholds: defaultThresholds,
    minSamples: 100,
    embed,
  });
  for (const r of results) if (r.metric === 'topic') console.log(seed, r.statistic, r.p, r.centroidDistance);
  return results.filter((r) => r.drifted).map((r) => r.metric);
}

test('stable traffic raises nothing; the false-alarm rate over 40 seeds stays at most 1 in 40', async () => {
  let alarms = 0;
  const seen: string[] = [];
  for (let seed = 1; seed <= 40; seed++) {
    const moved = await drifted(seed, stable);
    if (moved.length) alarms++;
    seen.push(...moved);
  }
  console.log(`# stable traffic: ${alarms}/40 seeds with any drift (${seen.join(', ') || 'none'})`);
  assert.ok(alarms <= 1, `false alarms on ${alarms} of 40 seeds: ${seen.join(', ')}`);
});

test('longer inputs, a new topic and more refusals are each caught on every seed, and only they', async () => {
  for (let seed = 1; seed <= 10; seed++) {
    assert.deepEqual(await drifted(seed, { ...stable, inputMedian: 260 }), ['input_tokens'], `seed ${seed}`);
    assert.deepEqual(await drifted(seed, { ...stable, legalShare: 0.3 }), ['topic'], `seed ${seed}`);
    const refusals = await drifted(seed, { ...stable, refusalRate: 0.12 });
    assert.ok(refusals.includes('refusal_rate'), `seed ${seed}: ${refusals}`);
    assert.ok(
      refusals.every((m) => ['refusal_rate', 'finish_reason'].includes(m)),
      `seed ${seed}: ${refusals}`,
    );
  }
});

test('too few samples or no stored text: skipped, and said why', async () => {
  const random = seeded(7);
  const textless = traffic(random, 200, stable).map(({ text, language, ...rest }) => rest);
  const results = await compareWindows({
    baseline: textless,
    recent: textless.slice(0, 20),
    thresholds: defaultThresholds,
    minSamples: 50,
    embed,
  });
  const byName = new Map(results.map((r) => [r.metric, r]));
  assert.match(
    byName.get('input_tokens')!.skipped!,
    /too few samples \(200 baseline, 20 recent; 50 needed\)/,
  );
  assert.match(byName.get('topic')!.skipped!, /no input text/);
  assert.match(byName.get('language')!.skipped!, /no input text/);
  assert.ok(results.every((r) => !r.drifted));
});

test('scores: a drop in an evaluator score is a drift of that score', async () => {
  const random = seeded(3);
  const scores = (n: number, good: number) =>
    Array.from({ length: n }, () => ({ name: 'helpful', value: random() < good ? 1 : 0 }));
  const results = await compareWindows({
    baseline: [],
    recent: [],
    baselineScores: scores(600, 0.9),
    recentScores: scores(200, 0.6),
    thresholds: defaultThresholds,
    minSamples: 50,
  });
  const helpful = results.find((r) => r.metric === 'score:helpful')!;
  assert.equal(helpful.drifted, true);
  assert.ok('mean' in helpful.recent && helpful.recent.mean < 0.7);
});
