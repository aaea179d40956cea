// The in-process nearest-neighbour index of the semantic cache, one per gateway process, filled
// from the store (SQLite or PostgreSQL) and kept in step with it (store.ts). Entries are grouped by
// (scope, partition): a lookup only ever compares vectors that may share an answer, which keeps most
// scans small. Within a group, a lookup is exact for small groups; for large ones each vector also
// carries a 256-bit sign signature (random hyperplanes, "SimHash"), and only vectors whose signature
// is within the Hamming distance that the threshold allows (with a 3-sigma margin) are compared
// exactly. Measured with bench/cache/semantic-index.ts: plain scans of Float32Arrays took ~50 ms at 100k
// entries of 256 dimensions on the test machine, over the 3 ms target; the signature pass is a few
// integer operations per entry.

export interface IndexEntry {
  /** The store's id: the same on every replica. */
  id: number;
  scope: string;
  partition: string;
  /** The model the client asked for, and the team of the request that stored it (purges). */
  model: string;
  team: string;
  /** The exact-cache key of the answer. */
  key: string;
  /** The meaning-bearing text, for the veto. */
  text: string;
  expiresAt: number;
}

export interface Neighbour {
  entry: IndexEntry;
  similarity: number;
}

const signatureBits = 256;
const signatureWords = signatureBits / 32;
/** Groups up to this size are scanned exactly: the signature pass would not pay for itself. */
const exactScanLimit = 2048;

class Group {
  readonly entries: Array<IndexEntry | undefined> = [];
  vectors: Float32Array;
  signatures: Uint32Array;
  dead = 0;
  readonly dimensions: number;

  constructor(dimensions: number) {
    this.dimensions = dimensions;
    this.vectors = new Float32Array(dimensions * 16);
    this.signatures = new Uint32Array(signatureWords * 16);
  }

  get live(): number {
    return this.entries.length - this.dead;
  }

  push(entry: IndexEntry, vector: Float32Array, signature: Uint32Array): number {
    const slot = this.entries.length;
    if ((slot + 1) * this.dimensions > this.vectors.length) {
      const vectors = new Float32Array(this.vectors.length * 2);
      vectors.set(this.vectors);
      this.vectors = vectors;
      const signatures = new Uint32Array(this.signatures.length * 2);
      signatures.set(this.signatures);
      this.signatures = signatures;
    }
    this.vectors.set(vector, slot * this.dimensions);
    this.signatures.set(signature, slot * signatureWords);
    this.entries.push(entry);
    return slot;
  }
}

export class VectorIndex {
  readonly #groups = new Map<string, Group>();
  readonly #where = new Map<number, { group: Group; slot: number }>();
  readonly #planes = new Map<number, Float32Array>();

  get size(): number {
    return this.#where.size;
  }

  has(id: number): boolean {
    return this.#where.has(id);
  }

  /**
   * Adds a unit vector; an id already present is left as it is (entries never change). The
   * signature is computed when not given (or given for another signature length): the store keeps
   * it beside the vector, so that loading 100k entries does not compute 100k of them again.
   */
  add(entry: IndexEntry, vector: Float32Array, signature?: Uint32Array): void {
    if (this.#where.has(entry.id)) return;
    const name = groupName(entry.scope, entry.partition);
    let group = this.#groups.get(name);
    if (!group || group.dimensions !== vector.length) {
      // A group's vectors all come from one embedding model (its name is part of the partition), so
      // a change of length means a new model's vectors: the old ones can no longer be compared.
      if (group) for (const old of group.entries) if (old) this.#where.delete(old.id);
      group = new Group(vector.length);
      this.#groups.set(name, group);
    }
    const sign = signature?.length === signatureWords ? signature : this.signature(vector);
    const slot = group.push(entry, vector, sign);
    this.#where.set(entry.id, { group, slot });
  }

  remove(id: number): void {
    const at = this.#where.get(id);
    if (!at) return;
    this.#where.delete(id);
    at.group.entries[at.slot] = undefined;
    at.group.dead++;
    if (at.group.dead > 64 && at.group.dead * 2 > at.group.entries.length) this.#compact(at.group);
  }

  /** Removes the entries `matches` selects (a purge, or expiry). */
  removeWhere(matches: (entry: IndexEntry) => boolean): number {
    const ids: number[] = [];
    for (const group of this.#groups.values())
      for (const entry of group.entries) if (entry && matches(entry)) ids.push(entry.id);
    for (const id of ids) this.remove(id);
    return ids.length;
  }

  /**
   * The entries of (scope, partition) at or above `threshold`, nearest first, at most `limit`,
   * skipping those expired at `now`.
   */
  search(
    scope: string,
    partition: string,
    query: Float32Array,
    threshold: number,
    limit: number,
    now: number,
  ): Neighbour[] {
    const group = this.#groups.get(groupName(scope, partition));
    if (!group || group.dimensions !== query.length || group.live === 0) return [];
    const found: Neighbour[] = [];
    const { entries, vectors, dimensions } = group;
    const consider = (slot: number) => {
      const entry = entries[slot];
      if (!entry || entry.expiresAt <= now) return;
      let sum = 0;
      const offset = slot * dimensions;
      for (let i = 0; i < dimensions; i++) sum += vectors[offset + i]! * query[i]!;
      if (sum >= threshold) found.push({ entry, similarity: Math.min(1, sum) });
    };
    if (entries.length <= exactScanLimit) {
      for (let slot = 0; slot < entries.length; slot++) consider(slot);
    } else {
      const signature = this.signature(query);
      const cutoff = hammingCutoff(threshold);
      const signatures = group.signatures;
      const half = signatureWords / 2;
      for (let slot = 0, o = 0; slot < entries.length; slot++, o += signatureWords) {
        // Most entries are far: half the signature already exceeds the cutoff.
        let bits = 0;
        for (let w = 0; w < half; w++) bits += popcount(signatures[o + w]! ^ signature[w]!);
        if (bits > cutoff) continue;
        for (let w = half; w < signatureWords; w++) bits += popcount(signatures[o + w]! ^ signature[w]!);
        if (bits <= cutoff) consider(slot);
      }
    }
    // Ties go to the newest entry: the same prompt stored again (its answer was evicted from the
    // exact cache, which made the older entry point at nothing) must be found, not the stale one.
    found.sort((a, b) => b.similarity - a.similarity || b.entry.id - a.entry.id);
    return found.length > limit ? found.slice(0, limit) : found;
  }

  #compact(group: Group): void {
    const live = group.entries.flatMap((entry, slot) => (entry ? [{ entry, slot }] : []));
    const fresh = new Group(group.dimensions);
    const { dimensions } = group;
    for (const { entry, slot } of live) {
      const vector = group.vectors.subarray(slot * dimensions, (slot + 1) * dimensions);
      const signature = group.signatures.subarray(slot * signatureWords, (slot + 1) * signatureWords);
      const at = fresh.push(entry, vector, signature);
      this.#where.set(entry.id, { group: fresh, slot: at });
    }
    for (const [name, candidate] of this.#groups) if (candidate === group) this.#groups.set(name, fresh);
  }

  /** Sign bits: which side of each of `signatureBits` fixed random hyperplanes the vector lies on. */
  signature(vector: Float32Array): Uint32Array {
    const dimensions = vector.length;
    let planes = this.#planes.get(dimensions);
    if (!planes) {
      planes = randomPlanes(dimensions);
      this.#planes.set(dimensions, planes);
    }
    const signature = new Uint32Array(signatureWords);
    for (let bit = 0; bit < signatureBits; bit++) {
      let sum = 0;
      const offset = bit * dimensions;
      for (let i = 0; i < dimensions; i++) sum += planes[offset + i]! * vector[i]!;
      if (sum >= 0) signature[bit >>> 5]! |= 1 << (bit & 31);
    }
    return signature;
  }
}

function groupName(scope: string, partition: string): string {
  return `${scope}\n${partition}`;
}

/**
 * The largest Hamming distance between signatures that a pair at `threshold` similarity reaches,
 * with a 3-sigma margin: two vectors at angle θ differ in each bit with probability θ/π.
 */
export function hammingCutoff(threshold: number): number {
  const p = Math.acos(Math.max(-1, Math.min(1, threshold))) / Math.PI;
  return Math.ceil(signatureBits * p + 3 * Math.sqrt(signatureBits * p * (1 - p)) + 1);
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Gaussian hyperplanes from a fixed seed (xorshift + Box-Muller), the same in every process. */
function randomPlanes(dimensions: number): Float32Array {
  const planes = new Float32Array(signatureBits * dimensions);
  let state = 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 1) / 4294967297;
  };
  for (let i = 0; i < planes.length; i++)
    planes[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return planes;
}
