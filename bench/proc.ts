// What the kernel says about the gateway process (Linux /proc), and about the machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU time the process (all its threads) has used, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/**
 * Resident memory now and its peak since the process started, in MB; `anon` is the part that is
 * the process's own (heap, malloc), `file` the part mapped from files (code, shared libraries).
 */
export function memoryMb(pid: number): { rss: number; peak: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: mb('VmRSS'), peak: mb('VmHWM'), anon: mb('RssAnon'), file: mb('RssFile') + mb('RssShmem') };
}

/**
 * Resident MB in anonymous mappings of exactly 256 KB, from the text of /proc/<pid>/smaps. V8 maps
 * its heap in such pages, and keeps some resident that it no longer counts as heap (after a spike,
 * or pooled for reuse): what the process's own memory grows by then is V8's, not malloc's.
 */
export function v8PagesMb(smaps: string): number {
  let kb = 0;
  let counted = false;
  for (const line of smaps.split('\n')) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(\S*)/.exec(line);
    if (mapping) {
      const size = Number.parseInt(mapping[2]!, 16) - Number.parseInt(mapping[1]!, 16);
      counted = size === 256 * 1024 && mapping[3] === '';
      continue;
    }
    if (counted && line.startsWith('Rss:')) kb += Number(/(\d+) kB/.exec(line)?.[1] ?? 0);
  }
  return kb / 1024;
}

/** v8PagesMb of a running process; NaN when its smaps cannot be read. */
export function v8PagesMbOf(pid: number): number {
  try {
    return v8PagesMb(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** Polls a process's resident memory to find the peak of one stretch of load. */
export class RssWatch {
  #timer: NodeJS.Timeout | undefined;
  max = 0;

  start(pid: number, everyMs = 100): void {
    this.max = memoryMb(pid).rss;
    this.#timer = setInterval(() => {
      try {
        this.max = Math.max(this.max, memoryMb(pid).rss);
      } catch {
        // The process has gone; the caller notices through its own channel.
      }
    }, everyMs);
  }

  stop(): number {
    clearInterval(this.#timer);
    return this.max;
  }
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `Linux ${release()}`,
    node: process.version,
  };
}

export function gitCommit(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}
