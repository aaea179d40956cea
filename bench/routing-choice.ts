// The cost of routing's choice per request, for each strategy, in one process: nanoseconds per
// choice over a few million choices after a warm-up, and the bytes allocated per choice.
//
//   npm run bench:routing              # prints the table
//   npm run bench:routing -- --write   # and writes bench/results/routing-choice.{md,json}
//
// `ordered` is also measured as the request path takes it (Router.fixed, what the authorise stage
// calls) against what that stage called before strategies existed (TargetResolver.resolve), and the
// failover loop's new bookkeeping per attempt (breaker check, in flight, latency average) alone.
import { writeFileSync } from 'node:fs';
import { parseConfig } from '../src/config/index.ts';
import { PriceBook } from '../src/governance/index.ts';
import type { Provider } from '../src/providers/types.ts';
import { RequestFacts, Route, Router, RoutingState, TargetResolver } from '../src/routing/index.ts';

const provider = {} as Provider;
const providers = { get: () => provider };
const config = parseConfig(
  {
    providers: { a: { type: 'mock' }, b: { type: 'mock' }, c: { type: 'mock' } },
    models: {
      chat: {
        targets: [
          { provider: 'a', model: 'gpt-4.1', weight: 3 },
          { provider: 'b', model: 'gpt-4.1-mini', weight: 1 },
          { provider: 'c', model: 'gpt-4.1-nano', weight: 1 },
        ],
      },
    },
    prices: {
      'gpt-4.1': { input_per_mtok: 2, output_per_mtok: 8 },
      'gpt-4.1-mini': { input_per_mtok: 0.4, output_per_mtok: 1.6 },
      'gpt-4.1-nano': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
    },
  },
  'bench',
  {},
);
const state = new RoutingState();
const resolver = new TargetResolver(config, providers, state);
const router = new Router(config, resolver);
const targets = resolver.resolve('chat');
const prices = new PriceBook(config.prices);
const price = (t: string, m: string, i: number, o: number) => prices.worstCase(t, m, i, o);
targets.forEach((t, i) => {
  t.state.observeLatency(100 + i * 50, performance.now());
  t.state.inFlight = i;
});
const cost = new RequestFacts({ caller: {}, headers: {}, inputTokens: 1200, outputTokens: 400 });

const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 3_000_000);

function measure(name: string, run: () => unknown): { name: string; ns: number; bytes: number } {
  for (let i = 0; i < 200_000; i++) run(); // warm-up: the JIT settles
  globalThis.gc?.();
  const heap = process.memoryUsage().heapUsed;
  const started = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < n; i++) if (run() !== undefined) sink++;
  const ns = Number(process.hrtime.bigint() - started) / n;
  const bytes = Math.max(0, (process.memoryUsage().heapUsed - heap) / n);
  if (sink < 0) console.log(sink);
  return { name, ns, bytes };
}

const now = performance.now();
const rows = [
  measure('ordered: Router.fixed (the request path)', () => router.fixed('chat')),
  measure('before strategies: TargetResolver.resolve', () => resolver.resolve('chat')),
  ...(['ordered', 'weighted', 'least_latency', 'least_cost', 'least_busy'] as const).map((strategy) => {
    const route = new Route(targets, strategy, { price });
    return measure(`${strategy}: Route.order`, () => route.order(now, cost));
  }),
  (() => {
    const t = targets[0]!;
    return measure('failover bookkeeping per attempt', () => {
      const s = t.state;
      if (!s.breaker.allow(now)) return undefined;
      s.inFlight++;
      s.registry.succeeded(s, 120, now);
      s.inFlight--;
      return s;
    });
  })(),
];

const md = [
  '# Routing: the cost of the choice per request',
  '',
  `Three targets, ${n.toLocaleString('en')} choices per row after 200k to warm up, one process (\`npm run bench:routing\`;`,
  `node ${process.version}). Bytes are heap growth per choice, a rough sign of allocation (a collection during the row hides some).`,
  '',
  '| strategy / path | ns per choice | bytes per choice |',
  '| --- | --- | --- |',
  ...rows.map((r) => `| ${r.name} | ${r.ns.toFixed(1)} | ${r.bytes.toFixed(2)} |`),
  '',
].join('\n');
console.log(md);
if (process.argv.includes('--write')) {
  const here = new URL('.', import.meta.url).pathname;
  writeFileSync(`${here}results/routing-choice.md`, md);
  writeFileSync(
    `${here}results/routing-choice.json`,
    `${JSON.stringify({ node: process.version, n, rows }, null, 2)}\n`,
  );
}
