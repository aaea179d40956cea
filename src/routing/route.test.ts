// Each strategy's choice over thousands of requests, within statistical bounds (five standard
// deviations or more, so that a correct chooser fails about once in a million runs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Provider } from '../providers/types.ts';
import { Route } from './route.ts';
import { RoutingState } from './state.ts';
import { defaultTimeouts, type Target } from './targets.ts';

const breaker = { threshold: 3, windowMs: 10_000, cooldownMs: 5_000 };

function targets(specs: Array<{ name: string; weight?: number; type?: string }>): Target[] {
  const state = new RoutingState();
  return specs.map(({ name, weight = 1, type = 'openai' }) => ({
    providerName: name,
    providerType: type,
    provider: {} as Provider,
    model: `${name}-m`,
    retries: 0,
    timeouts: defaultTimeouts,
    weight,
    state: state.target(name, `${name}-m`),
    breaker,
  }));
}

function shares(route: Route, n: number, now = 1_000, pick = () => route.order(now)[0]!.providerName) {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const name = pick();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return (name: string) => (counts.get(name) ?? 0) / n;
}

test('ordered keeps the configured order, the very same array every time', () => {
  const list = targets([{ name: 'a' }, { name: 'b' }]);
  const route = new Route(list, 'ordered');
  assert.equal(route.order(0), list);
});

test('weighted splits by weight (3:1 over 4000 requests) and fails over in configured order', () => {
  const list = targets([
    { name: 'a', weight: 3 },
    { name: 'b', weight: 1 },
    { name: 'c', weight: 0 },
  ]);
  const route = new Route(list, 'weighted');
  const share = shares(route, 4000);
  // σ = sqrt(.75 × .25 / 4000) ≈ 0.007
  assert.ok(Math.abs(share('a') - 0.75) < 0.04, `a: ${share('a')}`);
  assert.ok(Math.abs(share('b') - 0.25) < 0.04, `b: ${share('b')}`);
  assert.equal(share('c'), 0);
  const order = route.order(0, undefined, () => 0.9).map((t) => t.providerName);
  assert.deepEqual(order, ['b', 'a', 'c']);
});

test('weighted leaves out a target whose breaker is open, and takes it back after the cooldown', () => {
  const list = targets([
    { name: 'a', weight: 1 },
    { name: 'b', weight: 1 },
  ]);
  list[0]!.state.breaker.open(1_000, 5_000);
  const route = new Route(list, 'weighted');
  assert.equal(shares(route, 1000, 2_000)('a'), 0);
  const after = shares(route, 2000, 6_500)('a');
  assert.ok(Math.abs(after - 0.5) < 0.06, `a after the cooldown: ${after}`);
});

test('least_latency sends most traffic to the fastest, explores the rest, and returns to a recovered target', () => {
  const list = targets([{ name: 'a' }, { name: 'b' }]);
  const route = new Route(list, 'least_latency', { exploration: 0.1 });
  const truth = new Map([
    ['a', 100],
    ['b', 300],
  ]);
  let now = 1_000;
  const serve = () => {
    const t = route.order(now)[0]!;
    t.state.observeLatency(truth.get(t.providerName)!, now);
    now += 1;
    return t.providerName;
  };
  const first = shares(route, 4000, now, serve);
  // Exploration 0.1 over two targets sends b 5 % (σ ≈ 0.0035), plus its first, untried call.
  assert.ok(first('a') > 0.92 && first('a') < 0.98, `a: ${first('a')}`);
  truth.set('b', 20); // b recovers: exploration finds it, its average falls, it takes over
  shares(route, 500, now, serve);
  const recovered = shares(route, 4000, now, serve);
  assert.ok(recovered('b') > 0.92, `b after recovering: ${recovered('b')}`);
});

test('least_latency tries a target whose sample went stale', () => {
  const list = targets([{ name: 'a' }, { name: 'b' }]);
  const route = new Route(list, 'least_latency', { exploration: 0 });
  list[0]!.state.observeLatency(100, 1_000);
  list[1]!.state.observeLatency(500, 1_000);
  assert.equal(route.order(2_000)[0]!.providerName, 'a');
  list[0]!.state.observeLatency(100, 70_000);
  assert.equal(route.order(70_000)[0]!.providerName, 'b', 'b has no sample for over a minute');
});

test('least_cost picks the cheapest estimate for the request; an unknown price goes last', () => {
  const list = targets([{ name: 'dear' }, { name: 'unknown' }, { name: 'cheap' }]);
  const prices: Record<string, number | null> = { 'dear-m': 10, 'unknown-m': null, 'cheap-m': 0.5 };
  const seen: number[] = [];
  const route = new Route(list, 'least_cost', {
    price: (_type, model, input, output) => {
      seen.push(input, output);
      const per = prices[model];
      return per === null || per === undefined ? null : (per * (input + output)) / 1e6;
    },
  });
  assert.deepEqual(
    route.order(0, { inputTokens: 1200, outputTokens: 300 }).map((t) => t.providerName),
    ['cheap', 'dear', 'unknown'],
  );
  assert.deepEqual(seen.slice(0, 2), [1200, 300]);
  prices['cheap-m'] = null;
  assert.equal(route.order(0, { inputTokens: 1, outputTokens: 1 })[0]!.providerName, 'dear');
  list[0]!.state.breaker.open(0, 5_000);
  assert.equal(route.order(10, { inputTokens: 1, outputTokens: 1 })[0]!.providerName, 'unknown');
});

test('least_busy picks the fewest in flight, and spreads ties evenly', () => {
  const list = targets([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  const route = new Route(list, 'least_busy');
  const even = shares(route, 3000);
  for (const name of ['a', 'b', 'c'])
    assert.ok(Math.abs(even(name) - 1 / 3) < 0.01, `${name}: ${even(name)}`);
  list[0]!.state.inFlight = 4;
  list[1]!.state.inFlight = 1;
  list[2]!.state.inFlight = 2;
  assert.deepEqual(
    route.order(0).map((t) => t.providerName),
    ['b', 'a', 'c'],
  );
  // Requests that stay in flight spread themselves: each new one goes to the least loaded.
  for (let i = 0; i < 3000; i++) route.order(0)[0]!.state.inFlight++;
  const loads = list.map((t) => t.state.inFlight);
  assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `loads: ${loads}`);
});

test('a single target needs no choice: every strategy answers it as configured', () => {
  const list = targets([{ name: 'only' }]);
  for (const strategy of ['weighted', 'least_latency', 'least_cost', 'least_busy'] as const)
    assert.equal(new Route(list, strategy).order(0), list);
});
