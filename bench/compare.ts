// `npm run bench -- --compare REV`: the working tree against another commit, the two builds
// interleaved round by round, each round in fresh gateway processes. Two gateways of the same
// build, each kept running for all rounds, can differ by a tenth in CPU per request for as long as
// they run (the code V8 happened to optimise, where the heap landed); starting each measurement in
// a new process turns that into noise the median of the rounds absorbs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCount, num } from './format.ts';
import { compileGateway } from './gateway.ts';
import { median, roundOrder } from './rounds.ts';
import { type Scenario, scenarios } from './scenarios.ts';
import { type Context, combine, type Measured, measure, startGateway } from './suite.ts';

export interface Build {
  /** A commit's short hash; the working tree's is followed by "+changes" when it has any. */
  name: string;
  cli: string;
}

/** The short hash of commit `rev`; throws when the repository has no such commit. */
export function resolveCommit(rev: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', `${rev}^{commit}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    throw new Error(`--compare: "${rev}" is not a commit of this repository`);
  }
}

/** Compiles `commit` from git into a temporary directory that shares this checkout's node_modules. */
export function buildRevision(commit: string): Build & { remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-compare-${commit}-`));
  try {
    execFileSync('sh', [
      '-c',
      'git archive --format=tar "$0" package.json src tsconfig.json tsconfig.build.json | tar -x -C "$1"',
      commit,
      dir,
    ]);
    symlinkSync(new URL('../node_modules', import.meta.url).pathname, join(dir, 'node_modules'), 'dir');
    const cli = compileGateway(join(dir, 'tsconfig.build.json'), join(dir, 'build'));
    return { name: commit, cli, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface ComparedScenario {
  scenario: Scenario;
  /** The builds' figures, each the median of its rounds (RSS: the highest), in the order given. */
  builds: Measured[];
  /** Per round, the second build's CPU per request over the first's. */
  cpuRatios: number[];
  /** Per round, the second build's throughput over the first's. */
  rpsRatios: number[];
}

/** Measures each chosen scenario in rounds, both builds per round in fresh gateways, order alternating. */
export async function runComparison(context: Context, builds: [Build, Build]): Promise<ComparedScenario[]> {
  const chosen = context.options.only ?? ['chat-c64'];
  const results: ComparedScenario[] = [];
  for (const scenario of scenarios.filter((s) => chosen.includes(s.id))) {
    console.log(scenario.title);
    const rounds = builds.map((): Measured[] => []);
    for (let round = 0; round < context.options.rounds; round++) {
      console.log(`  round ${round + 1} of ${context.options.rounds}`);
      for (const index of roundOrder([0, 1], round)) {
        const build = builds[index]!;
        const gateway = await startGateway({ ...context, cli: build.cli }, `compare-${index}`);
        try {
          rounds[index]!.push(await measure(context, scenario, { ...gateway, name: build.name }));
        } finally {
          await gateway.stop();
        }
      }
    }
    const [first, second] = rounds as [Measured[], Measured[]];
    results.push({
      scenario,
      builds: rounds.map(combine),
      cpuRatios: second.map((m, i) => m.cpuUsPerRequest / first[i]!.cpuUsPerRequest),
      rpsRatios: second.map((m, i) => m.side.throughput.rps / first[i]!.side.throughput.rps),
    });
  }
  return results;
}

function ratioCells(ratios: number[]): string {
  const finite = ratios.filter(Number.isFinite);
  if (finite.length === 0) return '| |';
  return `| ${num(median(finite), 3)} | ${num(Math.min(...finite), 3)}–${num(Math.max(...finite), 3)} |`;
}

export function comparisonMarkdown(
  header: string,
  builds: [Build, Build],
  results: ComparedScenario[],
): string {
  const [a, b] = builds;
  const lines = [
    header,
    `- Builds: ${a.name} and ${b.name}, each round in fresh gateway processes, the order alternating; each figure is the median of the rounds (RSS: the highest); ratios are ${b.name} over ${a.name}, round by round`,
    '',
    `| scenario | figure | ${a.name} | ${b.name} | ratio, median | ratio, rounds |`,
    '| --- | --- | ---: | ---: | ---: | --- |',
  ];
  for (const r of results) {
    const [x, y] = r.builds as [Measured, Measured];
    const row = (figure: string, f: (m: Measured) => string, ratios?: number[]) =>
      lines.push(
        `| ${r.scenario.title} | ${figure} | ${f(x)} | ${f(y)} ${ratios ? ratioCells(ratios) : '| |'}`,
      );
    row('CPU, µs/request', (m) => num(m.cpuUsPerRequest), r.cpuRatios);
    row('throughput, req/s', (m) => num(m.side.throughput.rps), r.rpsRatios);
    row('V8 heap allocated, KB/request', (m) => num(m.allocKbPerRequest, 1));
    row(
      'latency p50 / p99, ms',
      (m) => `${num(m.side.throughput.latency.p50, 3)} / ${num(m.side.throughput.latency.p99, 3)}`,
    );
    row('RSS peak, MB', (m) => num(m.rssPeakMb, 1));
    row('errors (non-2xx + socket)', (m) => String(errorCount(m.side)));
  }
  lines.push(
    '',
    'A ratio whose rounds all fall on one side of 1 is a change; one whose rounds straddle 1 is within the noise of this host.',
    '',
  );
  return lines.join('\n');
}
