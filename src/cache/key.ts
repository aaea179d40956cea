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
  let text = `${scope}\n`;
  // The targets say what the model name resolves to: an alias pointed elsewhere starts afresh.
  for (const t of targets) text += `${t.providerName}/${t.model}\n`;
  const record = req as unknown as Record<string, unknown>;
  for (const name of Object.keys(record).sort()) {
    if (bookkeeping.has(name) || record[name] === undefined) continue;
    text += `${name}:${canonical(record[name])},`;
  }
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * JSON with sorted keys, undefined members left out, and prompt-caching hints dropped. Built by
 * string concatenation (cheap in V8) rather than through a replacer or an array of parts.
 */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += i > 0 ? `,${canonical(value[i])}` : canonical(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const names = Object.keys(record);
  if (names.length > 1) names.sort();
  let out = '{';
  for (const name of names) {
    const member = record[name];
    if (member === undefined || name === 'cacheControl') continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(name)}:${canonical(member)}`;
  }
  return `${out}}`;
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
