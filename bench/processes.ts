// The harness's child processes: each pinned to a CPU with taskset when the machine allows it,
// talking to the harness in lines on stdout.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LoadJob, LoadResult } from './load.ts';
import { type ProbeCommand, probe } from './probe-client.ts';

export interface Pinning {
  /** CPU of the gateway under test; undefined when nothing is pinned. */
  gatewayCpu?: number;
  /** CPU shared by the upstream and the load generator. */
  loadCpu?: number;
  description: string;
}

export function choosePinning(): Pinning {
  const taskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  const cores = availableParallelism();
  if (!taskset) return { description: 'none (taskset not installed)' };
  if (cores < 2) return { description: `none (${cores} core)` };
  return {
    gatewayCpu: 0,
    loadCpu: 1,
    description: 'gateway on CPU 0; upstream and load generator on CPU 1 (taskset)',
  };
}

export function spawnNode(
  args: string[],
  options: { cpu?: number; nodeFlags?: string[]; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  const command = [process.execPath, ...(options.nodeFlags ?? []), ...args];
  if (options.cpu !== undefined) command.unshift('taskset', '-c', String(options.cpu));
  return spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
}

/** Calls onLine for each stdout line; keeps the last stderr lines for error messages. */
export function watchOutput(child: ChildProcess, onLine: (line: string) => void): { stderr(): string } {
  const tail: string[] = [];
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  });
  return { stderr: () => tail.join('\n') };
}

/**
 * Resolves with the first stdout line `match` accepts, and the child's recent stderr for later
 * error messages; rejects if the child exits first.
 */
export function waitForLine<T>(
  child: ChildProcess,
  what: string,
  match: (line: string) => T | undefined,
  timeoutMs = 30_000,
): Promise<{ value: T; stderr(): string }> {
  return new Promise((resolve, reject) => {
    let found = false;
    const output = watchOutput(child, (line) => {
      const value = found ? undefined : match(line);
      if (value === undefined) return;
      found = true;
      clearTimeout(timer);
      child.off('exit', exited);
      resolve({ value, stderr: output.stderr });
    });
    const exited = (code: number | null) =>
      reject(new Error(`${what} exited (${code}) before starting:\n${output.stderr()}`));
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', exited);
  });
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

const loadScript = new URL('./load.ts', import.meta.url).pathname;

/**
 * Runs one load job in its own process; `onMeasuring` fires when its warm-up is over. Aborting
 * `signal` ends the job and rejects with the signal's reason.
 */
export function runLoad(
  job: LoadJob,
  cpu: number | undefined,
  onMeasuring?: () => void,
  signal?: AbortSignal,
): Promise<LoadResult> {
  signal?.throwIfAborted();
  const child = spawnNode([loadScript, JSON.stringify(job)], { cpu });
  const stop = () => child.kill('SIGTERM');
  signal?.addEventListener('abort', stop, { once: true });
  return new Promise((resolve, reject) => {
    let result: LoadResult | undefined;
    const output = watchOutput(child, (line) => {
      // NaN percentiles (no samples) travel as null.
      const message = JSON.parse(line, (_key, value) => (value === null ? Number.NaN : value));
      if (message.event === 'measuring') onMeasuring?.();
      if (message.event === 'result') result = message as LoadResult;
    });
    // 'close' comes after stdout has ended, so the result line has been read by then.
    child.once('close', (code) => {
      signal?.removeEventListener('abort', stop);
      if (result) resolve(result);
      else if (signal?.aborted) reject(signal.reason);
      else reject(new Error(`load generator exited (${code}) without a result:\n${output.stderr()}`));
    });
  });
}

const upstreamScript = new URL('./upstream.ts', import.meta.url).pathname;

export interface Upstream {
  url: string;
  stop(): Promise<void>;
}

export function startUpstream(chunkCounts: number[], cpu: number | undefined): Promise<Upstream> {
  return startServer('mock upstream', [upstreamScript, '--chunks', chunkCounts.join(',')], cpu);
}

const bareProxyScript = new URL('./bare-proxy.ts', import.meta.url).pathname;

/** The bare forwarding proxy (bench/bare-proxy.ts) in front of the upstream, with the probe loaded. */
export async function startBareProxy(
  upstreamUrl: string,
  cpu: number | undefined,
): Promise<Upstream & { pid: number; ask(command: ProbeCommand): Promise<number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bare-'));
  const probed = probe(join(dir, 'probe'));
  const server = await startServer('bare proxy', [bareProxyScript, '--upstream', upstreamUrl], cpu, {
    nodeFlags: probed.nodeFlags,
    env: { ...process.env, ...probed.env },
  });
  return {
    ...server,
    ask: (command) => probed.ask(server.pid, command),
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startServer(
  what: string,
  args: string[],
  cpu: number | undefined,
  spawnOptions: { nodeFlags?: string[]; env?: NodeJS.ProcessEnv } = {},
) {
  const child = spawnNode(args, { cpu, ...spawnOptions });
  const started = await waitForLine(child, what, (line) => JSON.parse(line).port as number | undefined);
  return { url: `http://127.0.0.1:${started.value}`, pid: child.pid!, stop: () => stopChild(child) };
}
