// The audit log's hash chain: each entry's hash covers its content and the previous entry's hash,
// so altering, inserting or deleting any entry breaks every hash after it.
import { createHash } from 'node:crypto';
import type { AuditLogTable } from '../store/schema.ts';

/** One audit log row, as stored. */
export type AuditEntry = AuditLogTable;

export const genesisHash = '0'.repeat(64);

export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const content = JSON.stringify([
    entry.seq,
    entry.at,
    entry.actor,
    entry.action,
    entry.target_type,
    entry.target_id,
    entry.before,
    entry.after,
    entry.prev_hash,
  ]);
  return createHash('sha256').update(content).digest('hex');
}

export type ChainProblem = { seq: number; problem: string };

/** Checks entries in sequence order; returns the first problem found, or undefined when intact. */
export function verifyChain(entries: Iterable<AuditEntry>): ChainProblem | undefined {
  let expectedSeq = 1;
  let prev = genesisHash;
  for (const entry of entries) {
    if (entry.seq !== expectedSeq) return { seq: expectedSeq, problem: `entry ${expectedSeq} is missing` };
    if (entry.prev_hash !== prev)
      return { seq: entry.seq, problem: `entry ${entry.seq} does not follow entry ${entry.seq - 1}` };
    if (entryHash(entry) !== entry.hash) return { seq: entry.seq, problem: `entry ${entry.seq} was altered` };
    prev = entry.hash;
    expectedSeq++;
  }
  return undefined;
}
