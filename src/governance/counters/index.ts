export { CountersWithFailureMode, type OnFailure, type SeedValues } from './failure-mode.ts';
export { createMemoryCounterStore } from './memory.ts';
export type {
  CounterDelta,
  CounterStore,
  Hold,
  Lease,
  Refusal,
  Release,
  Reservation,
  ReserveResult,
} from './types.ts';
import type { CounterStore } from './types.ts';

/** Shared counters in Redis; ioredis is loaded only when a Redis URL is configured. */
export async function createRedisCounterStore(
  ...args: Parameters<typeof import('./redis.ts').createRedisCounterStore>
): Promise<CounterStore> {
  return (await import('./redis.ts')).createRedisCounterStore(...args);
}
