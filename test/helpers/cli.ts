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
    const timer = setTimeout(() => reject(new Error(`gatehouse did not start:\n${text}`)), 15_000);
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
  options: { env?: Record<string, string>; input?: string; cwd?: string } = {},
) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
