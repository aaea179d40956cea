// The verdicts of one request: one per guardrail and phase, however many texts it checked there
// (each message, each tool result). They go on the request's record — the request log, metrics and
// traces read them from there — and, summed per guardrail, into the x-gatehouse-guardrails header.
import { GatehouseError } from '../core/errors/index.ts';
import type { GuardrailPhase, GuardrailVerdict, RequestRecord } from '../core/records/index.ts';
import type { Check } from './checks.ts';

export const guardrailsHeader = 'x-gatehouse-guardrails';

type Outcome = GuardrailVerdict['action'];
const rank: Record<Outcome, number> = { passed: 0, error: 1, warned: 2, redacted: 3, blocked: 4 };

/** What the check's action makes of a hit (in shadow mode: what it would have made). */
export function outcomeOf(check: Check, hit: boolean): Outcome {
  if (!hit) return 'passed';
  return check.action === 'block' ? 'blocked' : check.action === 'redact' ? 'redacted' : 'warned';
}

export class Verdicts {
  readonly #record: RequestRecord;
  readonly #startedAt: number;
  readonly #list: GuardrailVerdict[];

  constructor(record: RequestRecord, startedAt: number) {
    this.#record = record;
    this.#startedAt = startedAt;
    record.guardrails ??= [];
    this.#list = record.guardrails;
  }

  /** Milliseconds since the request began, for a check's span. */
  now(): number {
    return performance.now() - this.#startedAt;
  }

  /** Adds what one check found in one text; the verdict of its phase keeps the worst outcome. */
  add(
    check: Check,
    phase: GuardrailPhase,
    found: { outcome: Outcome; entities: Iterable<string>; score?: number | undefined },
    startedMs: number,
  ): GuardrailVerdict {
    const latencyMs = this.now() - startedMs;
    let verdict = this.#list.find((v) => v.guardrail === check.name && v.phase === phase);
    if (!verdict) {
      verdict = {
        guardrail: check.name,
        phase,
        action: 'passed',
        mode: check.shadow ? 'shadow' : 'enforce',
        entities: [],
        latencyMs: 0,
        atMs: startedMs,
      };
      this.#list.push(verdict);
    }
    verdict.latencyMs += latencyMs;
    if (rank[found.outcome] > rank[verdict.action]) verdict.action = found.outcome;
    for (const entity of found.entities)
      if (!verdict.entities.includes(entity)) verdict.entities.push(entity);
    if (found.score !== undefined) verdict.score = Math.max(verdict.score ?? 0, found.score);
    return verdict;
  }

  /** `no-pii=redacted;injection=passed`: each guardrail's worst outcome; `pending` for one still to judge a stream. */
  header(pending: readonly Check[] = []): string {
    const worst = new Map<string, string>();
    for (const v of this.#list) {
      const shown = worst.get(v.guardrail);
      const action = v.mode === 'shadow' ? `shadow:${v.action}` : v.action;
      if (shown === undefined || rank[v.action] > rank[bare(shown)]) worst.set(v.guardrail, action);
    }
    for (const check of pending) if (!worst.has(check.name)) worst.set(check.name, 'pending');
    return [...worst].map(([name, action]) => `${name}=${action}`).join(';');
  }

  get record(): RequestRecord {
    return this.#record;
  }
}

const bare = (shown: string): Outcome => {
  const action = shown.startsWith('shadow:') ? shown.slice(7) : shown;
  return (action in rank ? action : 'passed') as Outcome;
};

/** The refusal a blocking guardrail answers with: its name and entity types, never the text. */
export function blocked(check: Check, phase: GuardrailPhase, entities: readonly string[]): GatehouseError {
  const what = entities.length > 0 ? `: found ${entities.join(', ')}` : '';
  const where =
    phase === 'input' || phase === 'tool_results'
      ? `the request (${phase.replace('_', ' ')})`
      : `the answer (${phase.replace('_', ' ')}), which was withheld`;
  return new GatehouseError('GH_GUARDRAIL_BLOCKED', `The guardrail "${check.name}" blocked ${where}${what}.`);
}
