// Preloaded into the gateway and the bare proxy (`--expose-gc --import`) so the harness can ask them
// what only the process itself knows. On SIGUSR2 it reads a command from `<BENCH_PROBE_FILE>.ask`
// and writes a number of bytes to `<BENCH_PROBE_FILE>.answer`:
//   live-heap    the V8 heap still in use after a full collection (a heap snapshot would tell the
//                same, but writing one leaves the process about 100 MB of malloc memory for good)
//   alloc-start  starts counting what the V8 heap allocates (answers 0)
//   alloc-stop   bytes allocated since alloc-start: what each collection found in use, less what it
//                left, plus the growth since the last one
// Plain JavaScript: a TypeScript preload would load Node's type stripper into the process and add
// some 15 MB to the RSS the harness measures.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { GCProfiler, getHeapStatistics } from 'node:v8';

const file = process.env.BENCH_PROBE_FILE;
const gc = globalThis.gc;
/** @type {{ profiler: GCProfiler, used: number } | undefined} */
let counting;

/** @param {string} command */
function answer(command) {
  if (command === 'live-heap') {
    gc?.();
    return getHeapStatistics().used_heap_size;
  }
  if (command === 'alloc-start') {
    counting?.profiler.stop();
    counting = { profiler: new GCProfiler(), used: getHeapStatistics().used_heap_size };
    counting.profiler.start();
    return 0;
  }
  if (command === 'alloc-stop' && counting) {
    const used = getHeapStatistics().used_heap_size;
    const { statistics } = counting.profiler.stop();
    let allocated = 0;
    let after = counting.used;
    for (const collection of statistics) {
      allocated += collection.beforeGC.heapStatistics.usedHeapSize - after;
      after = collection.afterGC.heapStatistics.usedHeapSize;
    }
    counting = undefined;
    return allocated + used - after;
  }
  return Number.NaN;
}

if (file) {
  process.on('SIGUSR2', () => {
    const bytes = answer(readFileSync(`${file}.ask`, 'utf8'));
    // Written whole, then renamed: the harness never reads half an answer.
    writeFileSync(`${file}.tmp`, String(bytes));
    renameSync(`${file}.tmp`, `${file}.answer`);
  });
}
