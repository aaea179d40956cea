// `npm run bench`: the mock upstream measured directly and then through Gatehouse, scenario by
// scenario, so that every figure is read against a baseline taken on the same machine minutes
// apart. See bench/README.md.
import { join } from 'node:path';
import { errorCount } from './format.ts';
import { type Build, buildRevision, comparisonMarkdown, resolveCommit, runComparison } from './compare.ts';
import { buildGateway } from './gateway.ts';
import { parseOptions, usage } from './options.ts';
import { runOverload } from './overload.ts';
import { gitCommit, machine } from './proc.ts';
import { choosePinning, startUpstream } from './processes.ts';
import { header, type RunInfo, soakMarkdown, suiteMarkdown, verdicts, writeResults } from './report.ts';
import { streamChunkCounts } from './scenarios.ts';
import { runSoak } from './soak.ts';
import { type Context, runSuite } from './suite.ts';

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error(`bench: ${(err as Error).message}\n\n${usage}`);
  process.exit(2);
}
if (!options) {
  console.log(usage);
  process.exit(0);
}

const pinning = choosePinning();
const { commit, dirty } = gitCommit();
const info: RunInfo = {
  date: new Date().toISOString(),
  commit,
  dirty,
  machine: machine(),
  pinning: pinning.description,
  store:
    options.store === 'postgres'
      ? 'PostgreSQL (fresh database) + Redis counters'
      : 'SQLite (file in a temp dir), in-process counters',
  durationSeconds: options.soak ?? options.duration,
  warmupSeconds: options.warmup,
  firstByteRequests: options.firstByteRequests,
  rounds: options.soak === undefined ? options.rounds : 1,
  quick: options.quick,
  gateway:
    (options.source
      ? 'TypeScript sources (src/cli/main.ts)'
      : 'compiled JavaScript, as a package install runs it') +
    (options.gatewayNodeFlags.length > 0 ? `, with ${options.gatewayNodeFlags.join(' ')}` : ''),
};
const profileDir = options.profile ? join(options.resultsDir, 'profiles') : undefined;
const stem = `${info.date.slice(0, 10)}-${commit}${options.store === 'postgres' ? '-postgres' : ''}`;

console.log(`Machine: ${info.machine.cpu}, ${info.machine.cores} cores; Node ${info.machine.node}`);
console.log(`Pinning: ${pinning.description}`);
console.log(`Store: ${info.store}`);

/** A set-up step whose failure ends the run with its message and exit code 2. */
function orExit<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    process.exit(2);
  }
}

// An unknown revision is reported before anything is compiled.
const compare = options.compare;
const baseCommit = compare ? orExit(() => resolveCommit(compare)) : undefined;
const cli = options.source ? new URL('../src/cli/main.ts', import.meta.url).pathname : buildGateway();
console.log(`Gateway: ${options.source ? 'TypeScript sources' : 'compiled (bench/.build)'}`);
const base = baseCommit ? orExit(() => buildRevision(baseCommit)) : undefined;
const upstream = await startUpstream(streamChunkCounts, pinning.loadCpu);
const context: Context = {
  options,
  cli,
  pinning,
  upstreamUrl: upstream.url,
  ...(profileDir ? { profileDir } : {}),
};
let markdown: string;
let paths: string[];
try {
  if (base) {
    const builds: [Build, Build] = [base, { name: dirty ? `${commit}+changes` : commit, cli }];
    console.log(`Compare: ${builds[0].name} against ${builds[1].name}, ${options.rounds} rounds`);
    const results = await runComparison(context, builds);
    markdown = comparisonMarkdown(header('Gatehouse A/B', info), builds, results);
    paths = writeResults(
      options.resultsDir,
      `${stem}-vs-${base.name}`,
      undefined,
      { ...info, builds: builds.map((b) => b.name), results },
      markdown,
    );
    if (results.some((r) => r.builds.some((m) => errorCount(m.side) > 0))) {
      console.error('\n!!! ERRORS (non-2xx or socket): the figures of this comparison are not valid.\n');
      process.exitCode = 1;
    }
  } else if (options.soak) {
    console.log(`Soak: chat c=64 for ${options.soak} s`);
    const soak = await runSoak(context, options.soak);
    markdown = soakMarkdown(info, soak);
    paths = writeResults(options.resultsDir, `${stem}-soak`, 'latest-soak', { ...info, soak }, markdown);
  } else {
    const suite = await runSuite(context);
    const targets = verdicts(suite);
    const sustainable =
      suite.scenarios.find((r) => r.scenario.id === 'chat-c64')?.gateway.throughput.rps ?? 0;
    let overload: Awaited<ReturnType<typeof runOverload>> | undefined;
    if (options.overload && sustainable > 0) {
      console.log(`Overload: 5 × ${Math.round(sustainable)} req/s at max_in_flight ${options.maxInFlight}`);
      overload = await runOverload(context, sustainable);
    }
    markdown = suiteMarkdown(info, suite, targets, overload);
    // The README links latest.md: the embedded store, as the targets are set. A PostgreSQL run keeps
    // its own latest.
    const latest = options.store === 'postgres' ? 'latest-postgres' : 'latest';
    paths = writeResults(
      options.resultsDir,
      stem,
      latest,
      { ...info, ...suite, targets, overload },
      markdown,
    );
    const failed = suite.scenarios.filter((r) => errorCount(r.direct) + errorCount(r.gateway) > 0);
    if (failed.length > 0) {
      console.error(`\n!!! ERRORS (non-2xx or socket) in: ${failed.map((r) => r.scenario.title).join(', ')}`);
      console.error('!!! The figures of a run with errors are not valid.\n');
      process.exitCode = 1;
    }
  }
} finally {
  await upstream.stop();
  base?.remove();
}
console.log(`\n${markdown}`);
console.log(`Written: ${paths.join(', ')}`);
if (profileDir) console.log(`CPU profiles: ${profileDir} (see bench/profile.md)`);
