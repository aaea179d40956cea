// What the exact cache costs and saves at c=1, in one process with the gateway: a call through a
// gateway without a cache (the baseline), an exact hit, and a miss (looked up, called, stored) on a
// gateway with one, and an exact hit on a gateway whose cache has a quality gate (the entry rated
// thumbs-up, so its scores are read and checked, and the hit is noted for later ratings), over the
// built-in mock provider (no network upstream, so the baseline is the
// gateway's own work). Sides are interleaved round by round and each figure is the median of the
// rounds' medians, which holds better than one long run on a shared machine.
//
//   node bench/cache-cost.ts [--requests 2000] [--rounds 5] [--store sqlite|redis]
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/index.ts';
import { type Gateway, startGateway } from '../src/server/index.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    store: { type: 'string', default: 'sqlite' },
  },
});
const perRound = Number(values.requests);
const rounds = Number(values.rounds);
const masterKey = 'gh-cache-cost-master';
const models = {
  plain: { targets: [{ provider: 'mock', model: 'mock-fast' }] },
  cached: { targets: [{ provider: 'mock', model: 'mock-fast' }] },
};
const quiet = () => {};

async function start(cache: boolean, gate = false): Promise<Gateway> {
  const prefix = `gh-cache-cost-${process.pid}-${gate ? 'gate' : 'plain'}:`;
  const config = parseConfig(
    {
      providers: { mock: { type: 'mock' } },
      models,
      ...(cache ? { cache: { redis_prefix: prefix, ...(gate ? { quality_gate: {} } : {}) } } : {}),
    },
    'bench',
    {},
  );
  return startGateway({
    config,
    masterKey,
    databaseUrl: 'sqlite::memory:',
    port: 0,
    host: '127.0.0.1',
    log: quiet,
    ...(values.store === 'redis' ? { redisUrl: 'redis://127.0.0.1:6379' } : {}),
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const question = 'I am planning a week in Portugal with two children. '.repeat(16);

function call(url: string, model: string, n: number | undefined): Promise<number> {
  const body = JSON.stringify({
    model,
    max_tokens: 64,
    messages: [
      { role: 'system', content: 'You are a concise travel assistant.' },
      { role: 'user', content: `${n === undefined ? '' : `Request ${n}. `}${question}` },
    ],
  });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      `${url}/v1/chat/completions`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${masterKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Side {
  name: string;
  run(i: number): Promise<number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;

const bare = await start(false);
const cached = await start(true);
const gated = await start(true, true);
await rateThumbsUp(gated.url);
let unique = Math.floor(Math.random() * 1e12);
const sides: Side[] = [
  { name: 'no cache (baseline)', run: () => call(bare.url, 'plain', undefined) },
  { name: 'exact hit', run: () => call(cached.url, 'cached', 0) },
  { name: 'exact hit, quality gate (rated entry)', run: () => call(gated.url, 'cached', 0) },
  { name: 'miss (lookup, call, store)', run: () => call(cached.url, 'cached', unique++) },
];

/** Stores the gated side's answer and rates its request thumbs-up, so that its hits read a score. */
async function rateThumbsUp(url: string): Promise<void> {
  const headers = { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' };
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      model: 'cached',
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'You are a concise travel assistant.' },
        { role: 'user', content: `Request 0. ${question}` },
      ],
    }),
  });
  await res.json();
  const body = JSON.stringify({ request_id: res.headers.get('x-request-id'), name: 'thumbs', value: true });
  const rated = await fetch(`${url}/v1/feedback`, { method: 'POST', headers, body });
  if (rated.status !== 200) throw new Error(`rating the gated entry: ${await rated.text()}`);
}
const results = new Map<string, { p50: number[]; p99: number[]; cpu: number[] }>(
  sides.map((s) => [s.name, { p50: [], p99: [], cpu: [] }]),
);
for (const side of sides) for (let i = 0; i < 300; i++) await side.run(i); // warm-up
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? sides : [...sides].reverse();
  for (const side of order) {
    const times: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < perRound; i++) times.push(await side.run(i));
    const used = process.cpuUsage(cpu);
    const r = results.get(side.name)!;
    r.p50.push(median(times));
    r.p99.push(p99(times));
    r.cpu.push(((used.user + used.system) / perRound) | 0);
  }
}
const baseline = median(results.get(sides[0]!.name)!.p50);
console.log(`store ${values.store}, ${rounds} rounds × ${perRound} sequential requests, medians of rounds`);
console.log('side | p50 ms | p99 ms | vs baseline p50 | CPU µs/request (client and gateway)');
for (const side of sides) {
  const r = results.get(side.name)!;
  const p50 = median(r.p50);
  console.log(
    `${side.name} | ${p50.toFixed(3)} | ${median(r.p99).toFixed(3)} | ${(p50 - baseline >= 0 ? '+' : '') + (p50 - baseline).toFixed(3)} | ${median(r.cpu)}`,
  );
}
const metrics = await (await fetch(`${cached.url}/metrics`)).text();
/** The histogram bucket holding the median lookup: the lookup alone, without the call or the HTTP. */
const medianLookup = (result: string) => {
  const buckets = [
    ...metrics.matchAll(
      new RegExp(`gatehouse_cache_lookup_seconds_bucket\\{le="([^"]+)",result="${result}"\\} (\\d+)`, 'g'),
    ),
  ].map((m) => ({ le: m[1]!, count: Number(m[2]) }));
  const total = buckets.at(-1)?.count ?? 0;
  const bucket = buckets.find((b) => b.count >= total / 2);
  return bucket ? `≤ ${(Number(bucket.le) * 1e6).toFixed(0)} µs` : 'n/a';
};
console.log(`median lookup inside the stage: hit ${medianLookup('hit')}, miss ${medianLookup('miss')}`);
// What this run stored goes with it (a shared Redis keeps it otherwise).
for (const gateway of [cached, gated])
  await fetch(`${gateway.url}/admin/cache`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${masterKey}` },
  });
agent.destroy();
await bare.stop(0);
await cached.stop(0);
await gated.stop(0);
