// The harness's command line.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { scenarios } from './scenarios.ts';

export const defaultResultsDir = new URL('./results/', import.meta.url).pathname;

export const usage = `Usage: npm run bench -- [options]

Measures the mock upstream directly and then through Gatehouse, scenario by scenario, and writes
bench/results/<date>-<commit>.json|md and bench/results/latest.json|md (--results changes where).

Options:
  --duration S        seconds measured per scenario and per side (default 10)
  --warmup S          seconds of warm-up before each measured run (default 2)
  --quick             a smoke run: 3 s per scenario, 1 s warm-up, 300 first-byte requests
  --first-byte N      sequential requests for time to first byte (default 2000)
  --rounds N          measure each scenario N times, the sides interleaved (upstream, bare proxy,
                      gateway, then backwards), and report the median of each figure (default 1);
                      on a shared or noisy machine one run's CPU per request can be off by half
  --store S           sqlite (default: a file in a temp dir) or postgres (a fresh database on
                      postgres://postgres@127.0.0.1:5432, dropped afterwards, and Redis on
                      redis://127.0.0.1:6379 for the counters)
  --max-in-flight N   server.max_in_flight of the overload run's gateway (default 256)
  --only IDS          just these scenarios, comma-separated: chat-c1, chat-c64, stream20,
                      stream200, anthropic-c1, anthropic-c64 (overload runs only with chat-c64);
                      cache-hit-c1, cache-miss-c1, cache-semantic-hit-c1 run only when named here
  --skip-overload     leave out the overload run
  --max-rss MB        kill the gateway if its RSS passes this, to protect the machine (default 4096);
                      a soak then reports what it saw, other runs fail
  --soak S            instead of the scenarios: c=64 chat for S seconds, RSS sampled every 5 s;
                      writes bench/results/<date>-<commit>-soak.json|md and latest-soak.json|md
  --source            run the gateway from its TypeScript sources instead of the compiled
                      JavaScript a package install runs (built into bench/.build first)
  --gateway-node-flags F
                      Node.js flags for the gateway alone, space-separated, e.g.
                      --gateway-node-flags=--max-semi-space-size=16 (NODE_OPTIONS would reach
                      the upstream and the load generator too)
  --profile           start the gateway with --cpu-prof; profiles go to bench/results/profiles
                      (see bench/profile.md)
  --compare REV       instead of the full run: this working tree against commit REV (built from
                      git with this checkout's node_modules), each round in fresh gateway
                      processes, the builds' order alternating; c=64 chat unless --only, 6 rounds
                      unless --rounds, 5 s warm-up unless --warmup; writes
                      bench/results/<date>-<commit>-vs-<REV>.json|md (no latest copy)
  --results DIR       write the results files (and profiles) to DIR instead of bench/results
  -h, --help          this text

Exits 1 when a scenario had errors (non-2xx answers or socket errors); a missed target is reported,
never a failure.`;

export interface BenchOptions {
  duration: number;
  warmup: number;
  firstByteRequests: number;
  /** Node.js flags for the gateway process only. */
  gatewayNodeFlags: string[];
  /** Times each scenario is measured; figures are the medians of the rounds. */
  rounds: number;
  store: 'sqlite' | 'postgres';
  maxInFlight: number;
  overload: boolean;
  maxRssMb: number;
  /** Seconds of soak; the scenarios are not run when set. */
  soak?: number;
  profile: boolean;
  quick: boolean;
  /** Scenario ids to run; all when absent. */
  only?: string[];
  /** Run src/cli/main.ts (Node strips the types) instead of the compiled build. */
  source: boolean;
  /** A commit to measure the working tree against (--compare); the suite does not run. */
  compare?: string;
  /** Where the results files go. */
  resultsDir: string;
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0))
    throw new Error(`--${name} must be a positive number, not "${text}"`);
  return value;
}

/** The options, or undefined when help was asked for. */
export function parseOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'first-byte': { type: 'string' },
      rounds: { type: 'string' },
      'gateway-node-flags': { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      'max-in-flight': { type: 'string' },
      'skip-overload': { type: 'boolean', default: false },
      'max-rss': { type: 'string' },
      soak: { type: 'string' },
      profile: { type: 'boolean', default: false },
      source: { type: 'boolean', default: false },
      only: { type: 'string' },
      results: { type: 'string' },
      compare: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  if (values.store !== 'sqlite' && values.store !== 'postgres') {
    throw new Error(`--store must be sqlite or postgres, not "${values.store}"`);
  }
  if (values.compare !== undefined && (values.soak !== undefined || values.source)) {
    throw new Error('--compare measures two compiled builds; it cannot be combined with --soak or --source');
  }
  const quick = values.quick;
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.filter((id) => !scenarios.some((s) => s.id === id));
  if (unknown?.length) {
    throw new Error(`--only: no scenario ${unknown.join(', ')}; see --help for the ids`);
  }
  return {
    duration: positive('duration', values.duration, quick ? 3 : 10),
    warmup: positive('warmup', values.warmup, quick ? 1 : values.compare ? 5 : 2),
    firstByteRequests: Math.round(positive('first-byte', values['first-byte'], quick ? 300 : 2000)),
    rounds: Math.round(positive('rounds', values.rounds, values.compare ? 6 : 1)),
    gatewayNodeFlags: values['gateway-node-flags']?.split(' ').filter(Boolean) ?? [],
    store: values.store,
    maxInFlight: Math.round(positive('max-in-flight', values['max-in-flight'], 256)),
    overload: !values['skip-overload'] && !values.compare,
    maxRssMb: positive('max-rss', values['max-rss'], 4096),
    ...(values.soak !== undefined ? { soak: positive('soak', values.soak, 600) } : {}),
    profile: values.profile,
    quick,
    source: values.source,
    ...(only ? { only } : {}),
    ...(values.compare ? { compare: values.compare } : {}),
    resultsDir: values.results ? resolve(values.results) : defaultResultsDir,
  };
}
