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

  // A windowed counter's slot name changes once a window; it is kept per key rather than built anew
  // for every request.
  const slotNames = new Map<string, { window: number; name: string }>();
  const slot = (key: string, windowMs: number | undefined, at: number) => {
    if (!windowMs) return { name: key, until: undefined, resetMs: undefined };
    const window = Math.floor(at / windowMs);
    const until = (window + 1) * windowMs;
    let named = slotNames.get(key);
    if (named?.window !== window) {
      if (slotNames.size >= 10_000) slotNames.clear();
      named = { window, name: `${key}:w${window}` };
      slotNames.set(key, named);
    }
    return { name: named.name, until, resetMs: until - at };
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
  const store = (name: string, value: number, until: number | undefined) => {
    const entry = entries.get(name);
    if (entry && entry.until === until) entry.value = value;
    else entries.set(name, until === undefined ? { value } : { value, until });
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
      for (let i = 0; i < reservations.length; i++) {
        const r = reservations[i]!;
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
      for (let i = 0; i < reservations.length; i++) {
        values[i] = values[i]! + reservations[i]!.amount;
        store(slots[i]!.name, values[i]!, slots[i]!.until);
      }
      return { ok: true, states: reservations.map((r, i) => state(r.key, values[i]!, slots[i]!.resetMs)) };
    },
    async adjust(deltas: CounterDelta[]) {
      const at = now();
      for (const d of deltas) {
        const s = slot(d.key, d.windowMs, at);
        store(s.name, Math.max(0, current(s.name, at) + d.delta), s.until);
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
