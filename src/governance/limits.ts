// Rate limits: requests and tokens per minute in fixed windows, and concurrent requests held under
// the admission's lease. What each limit reserves, how a refusal reads, and OpenAI's headers.
import { GatehouseError } from '../core/errors/index.ts';
import type { Reservation } from './counters/index.ts';

export interface LimitRule {
  scope: 'key' | 'team' | 'user' | 'model';
  id: string;
  name: string;
  rpm?: number | undefined;
  tpm?: number | undefined;
  concurrency?: number | undefined;
}

export type LimitKind = 'rpm' | 'tpm' | 'concurrency';

export const minuteMs = 60_000;

interface LimitKeys {
  rpm: string;
  tpm: string;
  concurrency: string;
}

// Rules live as long as a principal's cache entry, so their counter keys are built once per rule
// rather than once per request.
const limitKeysByRule = new WeakMap<LimitRule, LimitKeys>();

function limitKeys(rule: LimitRule): LimitKeys {
  let keys = limitKeysByRule.get(rule);
  if (!keys) {
    const base = `rl:${rule.scope}:${rule.id}`;
    keys = { rpm: `${base}:rpm`, tpm: `${base}:tpm`, concurrency: `${base}:concurrency` };
    limitKeysByRule.set(rule, keys);
  }
  return keys;
}

/** Adds what each limit reserves for one request to `reservations`, its kind to `kinds`. */
export function reserveLimits(
  rules: LimitRule[],
  worstCaseTokens: number,
  reservations: Reservation[],
  kinds: string[],
): void {
  for (const rule of rules) {
    const keys = limitKeys(rule);
    if (rule.rpm !== undefined) {
      reservations.push({ key: keys.rpm, amount: 1, limit: rule.rpm, windowMs: minuteMs });
      kinds.push('rpm');
    }
    if (rule.tpm !== undefined) {
      reservations.push({ key: keys.tpm, amount: worstCaseTokens, limit: rule.tpm, windowMs: minuteMs });
      kinds.push('tpm');
    }
    if (rule.concurrency !== undefined) {
      reservations.push({ key: keys.concurrency, amount: 1, limit: rule.concurrency });
      kinds.push('concurrency');
    }
  }
}

export function limitRefusal(
  rules: LimitRule[],
  kind: LimitKind,
  reservation: Reservation,
  resetMs: number | undefined,
): GatehouseError {
  const rule = rules.find((r) => reservation.key.startsWith(`rl:${r.scope}:${r.id}:`))!;
  const what =
    kind === 'rpm'
      ? `${rule.rpm} requests per minute`
      : kind === 'tpm'
        ? `${rule.tpm} tokens per minute`
        : `${rule.concurrency} concurrent requests`;
  return new GatehouseError(
    'GH_RATE_LIMITED',
    `Rate limit of ${what} for the ${rule.scope} "${rule.name}" reached.`,
    {
      retryAfter: kind === 'concurrency' ? 1 : Math.max(1, Math.ceil((resetMs ?? minuteMs) / 1000)),
    },
  );
}

type CounterState = { value: number; resetMs?: number };

/** Header names per kind, written once: OpenAI's limit, remaining and reset headers. */
const rateLimitHeaderNames = {
  rpm: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tpm: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
} as const;

/** OpenAI's rate-limit headers, from the request and token counters with the least room left. */
export function rateLimitHeaders(reservations: Reservation[], kinds: string[], states: CounterState[]) {
  const headers: Record<string, string> = {};
  addTightest(headers, 'rpm', reservations, kinds, states);
  addTightest(headers, 'tpm', reservations, kinds, states);
  return headers;
}

function addTightest(
  headers: Record<string, string>,
  kind: 'rpm' | 'tpm',
  reservations: Reservation[],
  kinds: string[],
  states: CounterState[],
): void {
  let tightest = -1;
  let least = 0;
  for (let i = 0; i < reservations.length; i++) {
    if (kinds[i] !== kind) continue;
    const remaining = Math.max(0, reservations[i]!.limit - states[i]!.value);
    if (tightest === -1 || remaining < least) {
      tightest = i;
      least = remaining;
    }
  }
  if (tightest === -1) return;
  const [limit, remaining, reset] = rateLimitHeaderNames[kind];
  headers[limit] = String(reservations[tightest]!.limit);
  headers[remaining] = String(least);
  headers[reset] = goDuration(states[tightest]!.resetMs ?? minuteMs);
}

/** Durations as OpenAI writes them: `156ms`, `1s`, `6m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
