// The span checks over one text: each finds what it looks for; an enforcing one then refuses (block)
// or replaces the matches by typed placeholders (redact), and the next check sees what it left.
import { type Finding, redactFindings } from '../core/detect/index.ts';
import type { GuardrailPhase } from '../core/records/index.ts';
import type { Check } from './checks.ts';
import { blocked, outcomeOf, type Verdicts } from './verdicts.ts';

export function entitiesOf(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.entity))];
}

export function scoreOf(findings: readonly Finding[]): number | undefined {
  let score: number | undefined;
  for (const f of findings) if (f.score !== undefined) score = Math.max(score ?? 0, f.score);
  return score;
}

/** The text as the enforcing redactions left it; throws the refusal of an enforcing block. */
export function scanText(
  checks: readonly Check[],
  phase: GuardrailPhase,
  text: string,
  verdicts: Verdicts,
): string {
  let out = text;
  for (const check of checks) {
    if (!check.detector || !check.phases.has(phase)) continue;
    const started = verdicts.now();
    const findings = check.detector.scan(out);
    const entities = entitiesOf(findings);
    verdicts.add(
      check,
      phase,
      { outcome: outcomeOf(check, findings.length > 0), entities, score: scoreOf(findings) },
      started,
    );
    if (check.shadow || findings.length === 0) continue;
    if (check.action === 'block') throw blocked(check, phase, entities);
    if (check.action === 'redact') out = redactFindings(out, findings);
  }
  return out;
}

/**
 * Runs the whole-text checks of a phase together; the first enforcing hit refuses. `after`: the
 * text was already sent (a stream), so a hit is recorded as a warning and refuses nothing.
 */
export async function judgeText(
  checks: readonly Check[],
  phase: GuardrailPhase,
  text: string,
  verdicts: Verdicts,
  ctx: Parameters<NonNullable<Check['judge']>>[1],
  after = false,
): Promise<void> {
  const judged = checks.filter((c) => c.judge && c.phases.has(phase) && !(after && c.validate));
  if (judged.length === 0) return;
  const results = await Promise.all(
    judged.map(async (check) => {
      const started = verdicts.now();
      const judgement = await check.judge!(text, ctx);
      const refuse = judgement.failed ? check.blockOnError : judgement.flagged;
      let outcome = judgement.failed
        ? check.blockOnError
          ? 'blocked'
          : 'error'
        : outcomeOf(check, judgement.flagged);
      if (after && outcome === 'blocked') outcome = 'warned';
      const entities = judgement.failed ? ['check_failed'] : judgement.entities;
      verdicts.add(check, phase, { outcome, entities, score: judgement.score }, started);
      return { check, refuse: refuse && outcome === 'blocked', entities };
    }),
  );
  for (const { check, refuse, entities } of results)
    if (refuse && !check.shadow) throw blocked(check, phase, entities);
}
