export { createMemoryCounterStore } from './memory.ts';
export { createRedisCounterStore } from './redis.ts';
export type { CounterDelta, CounterStore, Refusal, Reservation, ReserveResult } from './types.ts';
