// Counters in one process's memory: for a single gateway without Redis. Expired windows are
// dropped as they are met and swept when the map grows, so memory stays bounded.
import type { CounterDelta, CounterStore, Reservation, ReserveResult } from './types.ts';

interface Entry {
  value: number;
  /** Epoch ms when a windowed counter ends; undefined for counters that last. */
  until?: number;
}

export function createMemoryCounterStore(
  options: { now?: () => number } = {},
): CounterStore & { size(): number } {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const slot = (key: string, windowMs: number | undefined, at: number) => {
    if (!windowMs) return { name: key, until: undefined, resetMs: undefined };
    const window = Math.floor(at / windowMs);
    const until = (window + 1) * windowMs;
    return { name: `${key}:w${window}`, until, resetMs: until - at };
  };
  const current = (name: string, at: number): number => {
    const entry = entries.get(name);
    if (!entry) return 0;
    if (entry.until !== undefined && entry.until <= at) {
      entries.delete(name);
      return 0;
    }
    return entry.value;
  };
  const sweep = (at: number) => {
    if (entries.size < 10_000) return;
    for (const [name, entry] of entries)
      if (entry.until !== undefined && entry.until <= at) entries.delete(name);
  };

  return {
    async reserve(reservations: Reservation[]): Promise<ReserveResult> {
      const at = now();
      sweep(at);
      const slots = reservations.map((r) => slot(r.key, r.windowMs, at));
      const values = slots.map((s) => current(s.name, at));
      for (const [i, r] of reservations.entries()) {
        if (values[i]! + r.amount > r.limit) {
          const refusal = {
            key: r.key,
            limit: r.limit,
            current: values[i]!,
            ...(slots[i]!.resetMs === undefined ? {} : { resetMs: slots[i]!.resetMs }),
          };
          return {
            ok: false,
            refusal,
            states: reservations.map((x, j) => state(x.key, values[j]!, slots[j]!.resetMs)),
          };
        }
      }
      for (const [i, r] of reservations.entries()) {
        const s = slots[i]!;
        values[i] = values[i]! + r.amount;
        entries.set(
          s.name,
          s.until === undefined ? { value: values[i]! } : { value: values[i]!, until: s.until },
        );
      }
      return { ok: true, states: reservations.map((r, i) => state(r.key, values[i]!, slots[i]!.resetMs)) };
    },
    async adjust(deltas: CounterDelta[]) {
      const at = now();
      for (const d of deltas) {
        const s = slot(d.key, d.windowMs, at);
        const value = Math.max(0, current(s.name, at) + d.delta);
        entries.set(s.name, s.until === undefined ? { value } : { value, until: s.until });
      }
    },
    async read(keys: string[]) {
      const at = now();
      return keys.map((key) => current(key, at));
    },
    async seed(key: string, value: number) {
      if (!entries.has(key)) entries.set(key, { value });
    },
    async close() {
      entries.clear();
    },
    size: () => entries.size,
  };
}

function state(key: string, value: number, resetMs: number | undefined) {
  return resetMs === undefined ? { key, value } : { key, value, resetMs };
}
