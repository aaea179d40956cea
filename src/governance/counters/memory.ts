// Counters in one process's memory: for a single gateway without Redis, and the per-replica fallback
// when Redis is away in fail-open mode. The same contract as the Redis store, leases included.
// Expired windows and leases are dropped as they are met and swept when the maps grow, so memory
// stays bounded.
import type {
  CounterDelta,
  CounterStore,
  Hold,
  Lease,
  Release,
  Reservation,
  ReserveResult,
} from './types.ts';

interface Window {
  value: number;
  until: number;
}

interface Leased {
  settled?: number;
  /** Per `lease|amount` member, its expiry in epoch ms. */
  leases: Map<string, number>;
  held: number;
  /**
   * No lease here expires before this (epoch ms; a lower bound, renewals may have moved them
   * later). Counters are read several times per request with every call in flight holding a
   * lease: the leases are scanned for expiry only once one may have expired, not on every read.
   */
  nextExpiry: number;
}

export function createMemoryCounterStore(
  options: { now?: () => number } = {},
): CounterStore & { size(): number } {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  const counters = new Map<string, Leased>();
  const claims = new Map<string, number>();

  // A windowed counter's name changes once a window: it is kept per key rather than built anew for
  // every request.
  const windowNames = new Map<string, { index: number; name: string }>();
  const windowed = (key: string, windowMs: number, at: number) => {
    const index = Math.floor(at / windowMs);
    let named = windowNames.get(key);
    if (named?.index !== index) {
      if (windowNames.size >= 10_000) windowNames.clear();
      named = { index, name: `${key}:w${index}` };
      windowNames.set(key, named);
    }
    const name = named.name;
    const until = (index + 1) * windowMs;
    const entry = windows.get(name);
    return { name, until, resetMs: until - at, value: entry && entry.until > at ? entry.value : 0 };
  };
  const leased = (key: string, at: number): Leased => {
    let counter = counters.get(key);
    if (!counter) {
      counter = { leases: new Map(), held: 0, nextExpiry: Number.POSITIVE_INFINITY };
      counters.set(key, counter);
    }
    if (counter.nextExpiry > at) return counter;
    let next = Number.POSITIVE_INFINITY;
    for (const [member, expiry] of counter.leases) {
      if (expiry > at) {
        next = Math.min(next, expiry);
        continue;
      }
      counter.leases.delete(member);
      counter.held = Math.max(0, counter.held - amountOf(member));
    }
    counter.nextExpiry = next;
    return counter;
  };
  const sweep = (at: number) => {
    if (windows.size >= 10_000) for (const [name, w] of windows) if (w.until <= at) windows.delete(name);
    if (counters.size >= 10_000)
      for (const [key, c] of counters)
        if (leased(key, at).held === 0 && c.settled === undefined) counters.delete(key);
    if (claims.size >= 10_000) for (const [key, until] of claims) if (until <= at) claims.delete(key);
  };

  return {
    async reserve(lease: Lease, reservations: Reservation[]): Promise<ReserveResult> {
      const at = now();
      sweep(at);
      const values: number[] = [];
      const resets: Array<number | undefined> = [];
      const unseeded: string[] = [];
      for (const r of reservations) {
        if (r.windowMs) {
          const w = windowed(r.key, r.windowMs, at);
          values.push(w.value);
          resets.push(w.resetMs);
        } else {
          const c = leased(r.key, at);
          if (r.seeded && c.settled === undefined) unseeded.push(r.key);
          values.push(c.held + (c.settled ?? 0));
          resets.push(undefined);
        }
      }
      if (unseeded.length > 0) return { ok: false, states: [], unseeded };
      // Index loops: this runs for every request, and `entries()` allocates per step.
      for (let i = 0; i < reservations.length; i++) {
        const r = reservations[i]!;
        if (values[i]! + r.amount <= r.limit) continue;
        const refusal = { key: r.key, limit: r.limit, current: values[i]! };
        return {
          ok: false,
          refusal: resets[i] === undefined ? refusal : { ...refusal, resetMs: resets[i]! },
          states: [],
        };
      }
      for (let i = 0; i < reservations.length; i++) {
        const r = reservations[i]!;
        values[i]! += r.amount;
        if (r.windowMs) {
          const w = windowed(r.key, r.windowMs, at);
          const entry = windows.get(w.name);
          if (entry?.until === w.until) entry.value = values[i]!;
          else windows.set(w.name, { value: values[i]!, until: w.until });
        } else {
          const c = leased(r.key, at);
          c.leases.set(`${lease.id}|${r.amount}`, at + lease.ttlMs);
          c.nextExpiry = Math.min(c.nextExpiry, at + lease.ttlMs);
          c.held += r.amount;
        }
      }
      return {
        ok: true,
        states: reservations.map((r, i) =>
          resets[i] === undefined
            ? { key: r.key, value: values[i]! }
            : { key: r.key, value: values[i]!, resetMs: resets[i]! },
        ),
      };
    },
    async release(lease: Lease, releases: Release[], corrections: CounterDelta[]) {
      const at = now();
      let found = releases.length === 0;
      for (const r of releases) {
        const c = leased(r.key, at);
        if (!c.leases.delete(`${lease.id}|${r.amount}`)) continue;
        found = true;
        c.held = Math.max(0, c.held - r.amount);
        if (r.charge && c.settled !== undefined) c.settled += r.charge;
      }
      if (!found) return;
      for (const d of corrections) {
        const w = windowed(d.key, d.windowMs, at);
        const entry = windows.get(w.name);
        if (entry) entry.value = Math.max(0, entry.value + d.delta);
      }
    },
    async renew(_replica: string, ttlMs: number, holds: Hold[]) {
      const at = now();
      for (const h of holds) {
        const c = leased(h.key, at);
        const member = `${h.lease}|${h.amount}`;
        if (c.leases.has(member)) c.leases.set(member, at + ttlMs);
      }
      return 1;
    },
    async read(keys: string[]) {
      const at = now();
      return keys.map((key) => {
        const c = leased(key, at);
        return (c.settled ?? 0) + c.held;
      });
    },
    async raise(values) {
      const at = now();
      for (const { key, value } of values) {
        const c = leased(key, at);
        c.settled = Math.max(c.settled ?? value, value);
      }
    },
    async claim(key: string, ttlMs: number) {
      const at = now();
      if ((claims.get(key) ?? 0) > at) return false;
      claims.set(key, at + ttlMs);
      return true;
    },
    async ping() {},
    async close() {
      windows.clear();
      windowNames.clear();
      counters.clear();
      claims.clear();
    },
    size: () => windows.size + counters.size,
  };
}

function amountOf(member: string): number {
  return Number(member.slice(member.lastIndexOf('|') + 1));
}
