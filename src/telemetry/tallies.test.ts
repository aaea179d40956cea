import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { TallyCounter, TallyHistogram } from './tallies.ts';

const buckets = [0.005, 0.01, 0.1, 1, 10];
const observations: Array<[string, number]> = [
  ['a', 0.001],
  ['a', 0.005], // on a bound: counted in that bucket, as prom-client does
  ['b', 0.05],
  ['a', 2],
  ['a', 11], // past every bound: only in +Inf
  ['b', 0.05],
];

/** The same two metrics, for prom-client's own classes and for the tallies. */
function definitions(registry: Registry) {
  const labelNames = ['k'] as const;
  return {
    counter: { name: 't_total', help: 'h', labelNames, registers: [registry] },
    histogram: { name: 't_seconds', help: 'h', labelNames, buckets, registers: [registry] },
  };
}

/** The exposition prom-client writes for its own metrics, to compare the tallies with. */
async function reference(): Promise<string> {
  const registry = new Registry();
  const defined = definitions(registry);
  const counter = new Counter(defined.counter);
  const histogram = new Histogram(defined.histogram);
  for (const [k, v] of observations) {
    counter.inc({ k }, v);
    histogram.observe({ k }, v);
  }
  return registry.metrics();
}

test('tallies expose what prom-client exposes for the same observations', async () => {
  const registry = new Registry();
  const defined = definitions(registry);
  const counter = new TallyCounter(defined.counter);
  const histogram = new TallyHistogram(defined.histogram);
  for (const [k, v] of observations) {
    counter.count({ k }).value += v;
    histogram.observe(histogram.buckets({ k }), v);
  }
  assert.equal(await registry.metrics(), await reference());
  registry.resetMetrics();
  assert.match(await registry.metrics(), /t_seconds_count\{k="a"\} 0\n/);
});

test('a tally counter keeps its sum across reads and adds what came between', async () => {
  const registry = new Registry();
  const counter = new TallyCounter({ name: 'n_total', help: 'h', labelNames: ['k'], registers: [registry] });
  const count = counter.count({ k: 'x' });
  count.value += 2;
  assert.match(await registry.metrics(), /n_total\{k="x"\} 2\n/);
  assert.equal(count.value, 0);
  count.value += 3;
  assert.equal(counter.count({ k: 'x' }), count); // the same label set, the same count
  assert.match(await registry.metrics(), /n_total\{k="x"\} 5\n/);
  assert.match(await registry.metrics(), /n_total\{k="x"\} 5\n/);
});
