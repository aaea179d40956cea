// Reads a V8 .cpuprofile (from --cpu-prof):
//   node bench/profile-top.ts FILE [N]                 the N functions with the most self time (25)
//   node bench/profile-top.ts FILE --areas [--requests R]
//                                                      self time by area: Node.js itself, each
//                                                      directory of the gateway, each dependency,
//                                                      GC; per request when R is given
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { areas: { type: 'boolean' }, requests: { type: 'string' } },
});
const [file, count = '25'] = positionals;
if (!file) {
  console.error('Usage: node bench/profile-top.ts FILE.cpuprofile [N] | FILE --areas [--requests R]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parents = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

/** Where a frame's code lives; undefined for V8 builtins and native code, which count for their caller. */
function area(frame: CallFrame): string | undefined {
  if (frame.functionName === '(garbage collector)' || frame.functionName === '(program)')
    return frame.functionName;
  const url = frame.url;
  if (!url) return undefined;
  if (url.startsWith('node:')) return 'Node.js (http, streams, events, timers, …)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return `dependency ${dependency[1]}`;
  // The gateway's own code: src/ or a compiled copy of it (bench/.build/).
  const own = /\/(?:src|\.build)\/([^/]+)\//.exec(url);
  return own ? `gatehouse ${own[1]}/` : relative(process.cwd(), url.replace(/^file:\/\//, ''));
}

/** Start-up (loading modules) is not work done for requests. */
const startUp = new Map<number, boolean>();
function inStartUp(id: number): boolean {
  let known = startUp.get(id);
  if (known === undefined) {
    const { url, functionName } = nodes.get(id)!.callFrame;
    const parent = parents.get(id);
    known =
      url.startsWith('node:internal/modules') ||
      functionName === 'evaluate' ||
      (parent !== undefined && inStartUp(parent));
    startUp.set(id, known);
  }
  return known;
}

function areaOf(id: number): string {
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const found = area(nodes.get(at)!.callFrame);
    if (found) return found;
  }
  return '(native)';
}

const selfUs = new Map<string, number>();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  // A sample's time is the delta to the next sample.
  const us = profile.timeDeltas[i + 1] ?? 0;
  const frame = nodes.get(id)!.callFrame;
  let key: string;
  if (values.areas) {
    if (frame.functionName === '(idle)' || inStartUp(id)) return;
    key = areaOf(id);
  } else {
    const where = frame.url
      ? `${relative(process.cwd(), frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}`
      : '';
    key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  }
  selfUs.set(key, (selfUs.get(key) ?? 0) + us);
  totalUs += us;
});

const requests = Number(values.requests ?? Number.NaN);
const perRequest = (us: number) =>
  requests > 0 ? `${(us / requests).toFixed(1).padStart(7)} µs/request  ` : '';
console.log(
  values.areas
    ? `${(totalUs / 1e6).toFixed(2)} s busy, start-up and idle left out ${perRequest(totalUs)}`
    : `${(totalUs / 1e6).toFixed(2)} s sampled`,
);
const rows = [...selfUs].sort((a, b) => b[1] - a[1]);
for (const [key, us] of values.areas ? rows : rows.slice(0, Number(count))) {
  console.log(
    `${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${perRequest(us)}${key}`,
  );
}
