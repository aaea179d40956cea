// `node bench/evaluators.ts`: what online evaluators cost on the request path when a request is not
// sampled (the target is ≤ 2 µs), against a pipeline without the stage. The stage is called as the
// pipeline calls it, with a `next` that answers at once; the difference is the stage's own cost.
import { parseConfig } from '../src/config/index.ts';
import { Lifecycle } from '../src/core/lifecycle/index.ts';
import type { Answer, Exchange } from '../src/pipeline/stage.ts';
import { QualityLoop } from '../src/quality/online.ts';
import { openDatabase } from '../src/store/index.ts';

const rounds = 5;
const perRound = 1_000_000;

const config = parseConfig(
  {
    providers: { mock: { type: 'mock' } },
    models: {
      bot: { targets: [{ provider: 'mock', model: 'mock-fast' }], evaluators: ['json', 'polite'] },
      judge: { targets: [{ provider: 'mock', model: 'mock-smart' }] },
    },
    evaluators: {
      json: { type: 'json_valid', sample_rate: 0 },
      polite: { type: 'llm_judge', model: 'judge', rubric: 'Polite', sample_rate: 0 },
    },
  },
  'bench',
  {},
);
const { db, close } = await openDatabase('sqlite::memory:');
const loop = new QualityLoop({
  db,
  lifecycle: new Lifecycle(),
  calls: {
    chat: () => Promise.reject(new Error('not sampled')),
    embeddings: () => Promise.reject(new Error('unused')),
  },
  log: () => {},
});
const stage = loop.stage(config)!;
const answer: Answer = {
  kind: 'result',
  result: {
    response: {
      id: 'x',
      model: 'm',
      content: [{ type: 'text', text: 'hi' }],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    },
  },
} as Answer;
const resolved = Promise.resolve(answer);
const next = () => resolved;
const ex = {
  operation: 'chat',
  ctx: { principal: { teamId: 'team_1' }, record: {} },
  request: { model: 'bot', messages: [] },
} as unknown as Exchange;

async function time(run: () => Promise<Answer>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) await run();
  return Number(process.hrtime.bigint() - started) / perRound;
}

const without: number[] = [];
const withStage: number[] = [];
for (let r = 0; r < rounds; r++) {
  without.push(await time(next));
  withStage.push(await time(() => stage.run(ex, next)));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cost = median(withStage) - median(without);
console.log(
  `not sampled: ${median(withStage).toFixed(0)} ns per call with the stage, ${median(without).toFixed(0)} ns without`,
);
console.log(
  `the stage's own cost: ${(cost / 1000).toFixed(3)} µs per request (target ≤ 2 µs); sampled: ${loop.stats.sampled}`,
);
const none = loop.stage(parseConfig({ providers: { mock: { type: 'mock' } } }, 'bench', {}));
console.log(
  `without evaluators configured: ${none === undefined ? 'no stage is added' : 'A STAGE WAS ADDED'}`,
);
await close();
if (cost > 2000 || none !== undefined || loop.stats.sampled !== 0) process.exitCode = 1;
