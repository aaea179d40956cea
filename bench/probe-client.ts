// The harness's side of bench/probe.js: the flags that load it into a process, and asking it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const preload = new URL('./probe.js', import.meta.url).href;

export type ProbeCommand = 'live-heap' | 'alloc-start' | 'alloc-stop';

export interface Probe {
  nodeFlags: string[];
  env: { BENCH_PROBE_FILE: string };
  /** Asks the process once the probe is loaded in it; NaN if it does not answer within 10 s. */
  ask(pid: number, command: ProbeCommand): Promise<number>;
}

/** A probe talking through files beside `file` (in a directory the caller owns). */
export function probe(file: string): Probe {
  return {
    nodeFlags: ['--expose-gc', '--import', preload],
    env: { BENCH_PROBE_FILE: file },
    async ask(pid, command) {
      rmSync(`${file}.answer`, { force: true });
      writeFileSync(`${file}.ask`, command);
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 500; i++) {
        if (existsSync(`${file}.answer`)) return Number(readFileSync(`${file}.answer`, 'utf8'));
        await sleep(20);
      }
      return Number.NaN;
    },
  };
}
