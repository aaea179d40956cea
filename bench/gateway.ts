// The gateway under test: `gatehouse start` as a child process with the defaults a production
// user has (virtual-key auth, request log, cost, metrics), a config file pointing at the mock
// upstream, and a fresh store (SQLite in a temp dir, or a new PostgreSQL database plus Redis).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type ProbeCommand, probe } from './probe-client.ts';
import { memoryMb } from './proc.ts';
import { spawnNode, stopChild, waitForLine } from './processes.ts';
import { gatewayModels, upstreamModels } from './scenarios.ts';

export const postgresServer = 'postgres://postgres@127.0.0.1:5432';
export const redisUrl = 'redis://127.0.0.1:6379';
const sourceCli = new URL('../src/cli/main.ts', import.meta.url).pathname;
const buildDir = new URL('./.build/', import.meta.url).pathname;

/**
 * Compiles the gateway as a package install runs it (JavaScript, no type stripping at load) into
 * bench/.build, inside the checkout so that its imports find node_modules. Returns its CLI.
 */
export function buildGateway(): string {
  rmSync(buildDir, { recursive: true, force: true });
  return compileGateway(new URL('../tsconfig.build.json', import.meta.url).pathname, buildDir);
}

/** Compiles the sources a tsconfig.build.json names into outDir; returns the CLI in it. */
export function compileGateway(project: string, outDir: string): string {
  const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname;
  const built = spawnSync(
    process.execPath,
    [tsc, '-p', project, '--outDir', outDir, '--declaration', 'false'],
    {
      encoding: 'utf8',
    },
  );
  if (built.status !== 0) throw new Error(`building the gateway failed:\n${built.stdout}${built.stderr}`);
  return join(outDir, 'cli/main.js');
}

export interface GatewayOptions {
  /** The CLI to start: the compiled build (buildGateway) or src/cli/main.ts. */
  cli?: string;
  upstreamUrl: string;
  store: 'sqlite' | 'postgres';
  cpu?: number;
  /** server.max_in_flight; the gateway's default when absent. */
  maxInFlight?: number;
  /** server.max_event_loop_lag_ms; the gateway's default when absent. */
  maxEventLoopLagMs?: number;
  /** Where --cpu-prof writes the profile, when profiling. */
  profileDir?: string;
  /** Node.js flags for the gateway alone (--gateway-node-flags), e.g. --max-semi-space-size=16. */
  nodeFlags?: string[];
  /** Names the profile file. */
  label: string;
  /** Configure the response cache, on for the cached model only (the cache scenarios). */
  cache?: boolean;
  /** RSS at which the gateway is killed to protect the machine, MB. */
  maxRssMb: number;
}

export interface GatewayUnderTest {
  url: string;
  pid: number;
  /** The virtual key the load uses. */
  key: string;
  /** Aborted, with the gateway killed, once its RSS passes maxRssMb. */
  memoryGuard: AbortSignal;
  /** Asks the gateway's probe (bench/probe.js). */
  ask(command: ProbeCommand): Promise<number>;
  stop(): Promise<void>;
}

function benchConfig(
  upstreamUrl: string,
  server: Pick<GatewayOptions, 'maxInFlight' | 'maxEventLoopLagMs' | 'cache'>,
) {
  return {
    ...(server.cache
      ? {
          cache: {
            mode: 'off',
            exact: { ttl: '1h', max_entries: 1_000_000, max_bytes: 2 ** 31 },
            semantic: { embedding_model: 'builtin', threshold: 0.9 },
          },
        }
      : {}),
    server: {
      ...(server.maxInFlight ? { max_in_flight: server.maxInFlight } : {}),
      ...(server.maxEventLoopLagMs ? { max_event_loop_lag_ms: server.maxEventLoopLagMs } : {}),
    },
    providers: {
      upstream: process.env.BENCH_MOCK
        ? { type: 'mock', latency_ms: Number(process.env.BENCH_MOCK) }
        : { type: 'openai-compatible', base_url: `${upstreamUrl}/v1`, api_key: 'bench-upstream' },
      'upstream-anthropic': { type: 'anthropic', base_url: upstreamUrl, api_key: 'bench-upstream' },
    },
    models: {
      [gatewayModels.openai]: { targets: [{ provider: 'upstream', model: upstreamModels.openai }] },
      [gatewayModels.anthropic]: {
        targets: [{ provider: 'upstream-anthropic', model: upstreamModels.anthropic }],
      },
      ...(server.cache
        ? {
            [gatewayModels.cached]: {
              targets: [{ provider: 'upstream', model: upstreamModels.openai }],
              cache: { mode: 'exact' },
            },
            [gatewayModels.semantic]: {
              targets: [{ provider: 'upstream', model: upstreamModels.openai }],
              cache: { mode: 'semantic' },
            },
          }
        : {}),
    },
  };
}

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gatehouse_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: `${postgresServer}/postgres` });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return {
    url: `${postgresServer}/${name}`,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(
  url: string,
  masterKey: string,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

export async function startGatewayUnderTest(options: GatewayOptions): Promise<GatewayUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  // JSON is YAML, so the config file needs no serialiser of its own.
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(configFile, JSON.stringify(benchConfig(options.upstreamUrl, options), null, 2));
  const database = options.store === 'postgres' ? await createDatabase() : undefined;
  const masterKey = `gh-bench-master-${randomBytes(16).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEHOUSE_MASTER_KEY: masterKey,
    GATEHOUSE_DATABASE_URL: database?.url ?? `sqlite:${join(dir, 'gatehouse.db')}`,
    GATEHOUSE_SPILL_DIR: join(dir, 'spill'),
  };
  if (database) env.GATEHOUSE_REDIS_URL = redisUrl;
  const probed = probe(join(dir, 'probe'));
  Object.assign(env, probed.env);
  const nodeFlags = [...probed.nodeFlags];
  nodeFlags.push(...(options.nodeFlags ?? []));
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    const name = `${options.label}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
    nodeFlags.push(
      '--cpu-prof',
      '--cpu-prof-interval',
      process.env.BENCH_PROF_INTERVAL ?? '1000',
      '--cpu-prof-dir',
      options.profileDir,
      '--cpu-prof-name',
      name,
    );
  }
  const child = spawnNode(
    [options.cli ?? sourceCli, 'start', '--config', configFile, '--port', '0', '--host', '127.0.0.1'],
    {
      cpu: options.cpu,
      nodeFlags,
      env,
    },
  );
  const guard = new AbortController();
  const watchdog = setInterval(() => {
    let rss = 0;
    try {
      rss = memoryMb(child.pid!).rss;
    } catch {
      // Exited: nothing left to guard.
    }
    // NaN (a process already exiting has no VmRSS) is no reason to kill it.
    if (!(rss > options.maxRssMb)) return;
    child.kill('SIGKILL');
    clearInterval(watchdog);
    const message = `gateway RSS passed ${options.maxRssMb} MB (--max-rss): killed it to protect the machine`;
    console.error(`!!! ${message}`);
    guard.abort(new Error(message));
  }, 1000);
  const cleanUp = async () => {
    clearInterval(watchdog);
    await stopChild(child, 40_000);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  let stderr = () => '';
  try {
    const started = await waitForLine(
      child,
      'gateway',
      // The banner is a plain line, or a JSON line whose message holds the URL.
      (line) => /listening on (http:\/\/[^\s"]+)/.exec(line)?.[1],
    );
    const url = started.value;
    stderr = started.stderr;
    // A team with a budget and limits that never refuse, as a production key has, and its key.
    await admin(url, masterKey, '/admin/teams', {
      name: 'bench',
      budget: { usd: 1e6, period: 'month' },
      // tpm stays within a 32-bit integer: the PostgreSQL column is one.
      limits: { rpm: 10_000_000, tpm: 2_000_000_000, concurrency: 100_000 },
    });
    const created = await admin(url, masterKey, '/admin/keys', { name: 'bench-load', team: 'bench' });
    return {
      url,
      pid: child.pid!,
      key: String(created.key),
      memoryGuard: guard.signal,
      ask: (command) => probed.ask(child.pid!, command),
      stop: cleanUp,
    };
  } catch (err) {
    const log = stderr();
    await cleanUp();
    throw log ? new Error(`${(err as Error).message}\ngateway stderr:\n${log}`) : err;
  }
}
