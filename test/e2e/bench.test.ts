// `npm run bench` keeps working: a short run of the real harness (compiled gateway, mock upstream,
// bare proxy, load generator in their own processes) writes results files with every figure.
// Nothing here asserts a timing; the figures must only be there, and the answers must not fail.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const runScript = new URL('../../bench/run.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function bench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runScript, ...args, '--results', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function readJson(name: string) {
  return JSON.parse(readFileSync(join(dir, name), 'utf8'));
}

const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

test('a short benchmark run writes every figure, against the upstream, the bare proxy and the gateway', {
  timeout: 240_000,
}, async () => {
  const run = await bench([
    '--only',
    'chat-c1,stream20',
    '--duration',
    '1',
    '--warmup',
    '1',
    '--first-byte',
    '30',
    '--rounds',
    '2',
    '--gateway-node-flags=--max-semi-space-size=16',
    '--skip-overload',
  ]);
  assert.equal(run.code, 0, run.output);
  const files = readdirSync(dir);
  for (const name of ['latest.json', 'latest.md'])
    assert.ok(files.includes(name), `${name} missing: ${files}`);
  assert.ok(
    files.some((f) => /^\d{4}-\d{2}-\d{2}-\w+\.json$/.test(f)),
    `no dated results: ${files}`,
  );

  assert.match(
    readFileSync(join(dir, 'latest.md'), 'utf8'),
    /in 2 rounds with the sides interleaved; each figure is the median of its rounds/,
  );
  assert.match(
    readFileSync(join(dir, 'latest.md'), 'utf8'),
    /as a package install runs it, with --max-semi-space-size=16/,
  );
  const result = readJson('latest.json');
  assert.equal(result.rounds, 2);
  assert.ok(result.commit && result.machine?.node, 'machine, Node version and commit are recorded');
  assert.ok(positive(result.idleRssMb) && positive(result.peakRssMb));
  assert.deepEqual(
    result.scenarios.map((s: { scenario: { id: string } }) => s.scenario.id),
    ['chat-c1', 'stream20'],
  );
  for (const s of result.scenarios) {
    for (const side of ['direct', 'bare', 'gateway']) {
      const load = s[side].throughput;
      assert.ok(positive(load.rps), `${s.scenario.id} ${side}: no answers`);
      assert.equal(load.non2xx + load.errors, 0, `${s.scenario.id} ${side}: failed answers`);
      assert.ok(positive(load.latency.p50) && positive(load.latency.p99));
    }
    assert.ok(positive(s.cpuUsPerRequest) && positive(s.bareCpuUsPerRequest) && positive(s.rssPeakMb));
    assert.ok(positive(s.allocKbPerRequest) && positive(s.bareAllocKbPerRequest), 'heap allocation counted');
  }
  const stream = result.scenarios[1];
  assert.ok(positive(stream.gateway.firstByte.firstByte.p50), 'time to first byte through the gateway');
  // c=1 latency and the stream's first byte have targets; each says met or missed.
  const targets = result.targets as Array<{ target: string; met: boolean }>;
  assert.deepEqual(
    targets.map((t) => t.target),
    ['added p50 ≤ 0.25 ms', 'added p99 ≤ 1 ms', 'added TTFB p50 ≤ 0.5 ms'],
  );
  for (const t of targets) assert.equal(typeof t.met, 'boolean');

  const markdown = readFileSync(join(dir, 'latest.md'), 'utf8');
  assert.match(markdown, /\| chat, c=1 \| latency p99, ms \|/);
  assert.match(markdown, /\| stream 20 chunks, c=64 \| first byte p50 \(c=1\), ms \|/);
  assert.match(markdown, /Targets met: \d of 3\./);
});

// From the TypeScript sources: the other way the harness starts the gateway, and no second build.
test('a short soak reports RSS, its parts, the live heap and the answers by status', {
  timeout: 240_000,
}, async () => {
  const run = await bench(['--soak', '8', '--warmup', '1', '--source']);
  assert.equal(run.code, 0, run.output);
  const { soak } = readJson('latest-soak.json');
  assert.ok(soak.samples.length >= 2, 'RSS is sampled during the run');
  for (const sample of soak.samples) {
    assert.ok(positive(sample.mb) && positive(sample.anonMb));
    assert.ok(
      positive(sample.v8PagesMb) && sample.v8PagesMb < sample.anonMb,
      "V8's pages, within its own memory",
    );
  }
  const parts = soak.samples.filter((s: { heapTotalMb?: number }) => s.heapTotalMb !== undefined);
  assert.ok(parts.length > 0, 'the heap read from /metrics');
  for (const sample of parts) assert.ok(positive(sample.heapTotalMb) && positive(sample.externalMb));
  assert.ok(
    positive(soak.liveHeap.firstMb) && positive(soak.liveHeap.lastMb),
    'the live heap measured at both points',
  );
  assert.equal(soak.non2xx + soak.errors, 0);
  assert.ok(positive(soak.statuses['200']));
  assert.match(readFileSync(join(dir, 'latest-soak.md'), 'utf8'), /RSS slope over the last half/);
});

test('a comparison builds a commit from git and measures it against the working tree, round by round', {
  timeout: 240_000,
}, async () => {
  const run = await bench([
    '--compare',
    'HEAD',
    '--only',
    'chat-c1',
    '--rounds',
    '2',
    '--duration',
    '1',
    '--warmup',
    '1',
  ]);
  assert.equal(run.code, 0, run.output);
  const name = readdirSync(dir).find((f) => /-vs-\w+\.json$/.test(f));
  assert.ok(name, `no comparison results: ${readdirSync(dir)}`);
  const result = readJson(name);
  assert.equal(result.builds.length, 2);
  const [compared] = result.results;
  assert.equal(compared.scenario.id, 'chat-c1');
  assert.equal(compared.cpuRatios.length, 2, 'a ratio per round');
  for (const ratio of [...compared.cpuRatios, ...compared.rpsRatios]) assert.ok(positive(ratio));
  for (const build of compared.builds) {
    assert.ok(positive(build.cpuUsPerRequest) && positive(build.allocKbPerRequest));
    assert.equal(build.side.throughput.non2xx + build.side.throughput.errors, 0);
  }
  const markdown = readFileSync(join(dir, name.replace(/json$/, 'md')), 'utf8');
  assert.match(
    markdown,
    /\| chat, c=1 \| CPU, µs\/request \| [\d,]+ \| [\d,]+ \| [\d.]+ \| [\d.]+–[\d.]+ \|/,
  );

  const unknown = await bench(['--compare', 'no-such-commit']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.output, /"no-such-commit" is not a commit of this repository/);
});
