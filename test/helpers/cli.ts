// Runs the real `gatehouse` command as a child process, the way a user would.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface RunningGatehouse {
  process: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `gatehouse start …` and resolves once it prints the address it listens on. */
export async function startGatehouse(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<RunningGatehouse> {
  const child = spawn(process.execPath, [cliPath, 'start', '--port', '0', ...args], {
    cwd: options.cwd,
    env: { ...process.env, GATEHOUSE_MASTER_KEY: '', GATEHOUSE_CONFIG: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    // A gateway that never says it listens is killed, so a failed start cannot hold the test runner.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gatehouse did not start:\n${text}`));
    }, 30_000);
    const check = () => {
      const match = /listening on (http:\/\/[^\s"]+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`gatehouse exited early:\n${text}`));
    });
  });
  return { process: child, url, output: () => text, exited };
}

export function runGatehouse(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runGatehouse, without blocking the event loop (for a gateway running in the test's own process). */
export function runGatehouseAsync(
  args: string[],
  options: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {},
) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      // A command that never ends (one that waits for input, or follows a log) fails instead of hanging.
      timeout: options.timeoutMs ?? 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * The same command line run in this process (console output captured): for tests that run many
 * commands, where a process each would take most of the time. Commands that read standard input
 * need a process of their own.
 */
export async function runGatehouseInProcess(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../src/cli/program.ts');
  const [log, error] = [console.log, console.error];
  let stdout = '';
  let stderr = '';
  console.log = (text: string) => {
    stdout += `${text}\n`;
  };
  console.error = (text: string) => {
    stderr += `${text}\n`;
  };
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    [console.log, console.error] = [log, error];
  }
}
