// The exact cache's key: a hash of the canonical request, within a scope. Canonical means the same
// request gives the same key whichever surface decoded it (object keys sorted, absent and undefined
// alike), and only what changes the answer counts: the resolved model and its targets, the system
// prompt, messages, tools and every sampling or format parameter. Bookkeeping does not: `user`,
// `metadata`, streaming and its usage option (a cached answer is replayed either way), prompt-caching
// hints (`cacheControl`: they change the price, not the answer) and the client's native body.
import { createHash } from 'node:crypto';
import type { ChatRequest } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';
import type { Principal } from '../governance/index.ts';
import type { Target } from '../routing/index.ts';
import type { CacheScope } from '../config/schema.ts';

/** Request fields that never change the answer. */
const bookkeeping = new Set(['user', 'metadata', 'stream', 'includeUsage', 'native']);

export function cacheKey(req: Frozen<ChatRequest>, targets: readonly Target[], scope: string): string {
  const hash = createHash('sha256');
  hash.update(scope);
  hash.update('\n');
  // The targets say what the model name resolves to: an alias pointed elsewhere starts afresh.
  for (const t of targets) hash.update(`${t.providerName}/${t.model}\n`);
  const out: string[] = [];
  const record = req as unknown as Record<string, unknown>;
  for (const name of Object.keys(record).sort()) {
    if (bookkeeping.has(name) || record[name] === undefined) continue;
    out.push(JSON.stringify(name), ':');
    canonical(record[name], out);
    out.push(',');
  }
  hash.update(out.join(''));
  return hash.digest('base64url');
}

/** JSON with sorted keys, undefined members left out, and prompt-caching hints dropped. */
function canonical(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      canonical(value[i], out);
    }
    out.push(']');
    return;
  }
  const record = value as Record<string, unknown>;
  out.push('{');
  let first = true;
  for (const name of Object.keys(record).sort()) {
    const member = record[name];
    if (member === undefined || name === 'cacheControl') continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(name), ':');
    canonical(member, out);
  }
  out.push('}');
}

/**
 * Who shares an entry. The master key (no team) has a scope of its own. A key without a user falls
 * back to its key under `user` scope, so that a scope is never wider than asked for.
 */
export function cacheScope(scope: CacheScope, principal: Principal | undefined): string {
  if (scope === 'global') return 'global';
  if (!principal || principal.kind === 'master') return 'master';
  switch (scope) {
    case 'team':
      return `team:${principal.teamId ?? '-'}`;
    case 'key':
      return `key:${principal.keyId ?? '-'}`;
    case 'user':
      return principal.userId ? `user:${principal.userId}` : `key:${principal.keyId ?? '-'}`;
  }
}
