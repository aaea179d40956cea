// Preloaded into the soak's gateway (`--expose-gc --import`): on SIGUSR2 it collects all garbage and
// writes the heap still in use, in bytes, to the file named by BENCH_LIVE_HEAP_FILE. A heap snapshot
// would tell the same, but writing one leaves the process about 100 MB of malloc memory for good,
// which is the very thing a soak watches.
import { writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

const file = process.env.BENCH_LIVE_HEAP_FILE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  process.on('SIGUSR2', () => {
    gc();
    writeFileSync(file, String(getHeapStatistics().used_heap_size));
  });
}
