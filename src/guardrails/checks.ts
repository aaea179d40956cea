// One check per configured guardrail, built once at start: an offline detector that finds spans
// (pii, secrets, prompt_injection, deny_list, regex), or a judge of a whole text (json_schema, the
// external adapters). What a check found is told by entity type only, never by the matched text.

import type { GuardrailConfig } from '../config/guardrails.ts';
import { detectorFor } from '../config/guardrails.ts';
import { type Detector, secretEntities, secretsDetector } from '../core/detect/index.ts';
import type { GuardrailPhase } from '../core/records/index.ts';
import type { InternalCalls } from '../pipeline/index.ts';
import { llmJudge, moderationJudge } from './external.ts';
import { schemaValidator } from './json-schema.ts';
import type { Judge, JudgeContext, Judgement } from './judgement.ts';

export type Action = 'block' | 'redact' | 'warn';
export type { Judge, JudgeContext, Judgement } from './judgement.ts';

export interface Check {
  readonly name: string;
  readonly type: GuardrailConfig['type'];
  readonly action: Action;
  readonly shadow: boolean;
  readonly phases: ReadonlySet<GuardrailPhase>;
  /** Span checks: synchronous, offline, usable on a stream as it flows. */
  readonly detector?: Detector;
  /** Whole-text checks. */
  readonly judge?: Judge;
  /** json_schema's judge, synchronous: a stream can still be refused at its end. */
  readonly validate?: (text: string, ctx: JudgeContext) => Judgement;
  /** An external check that failed: block (true) or let the call through. */
  readonly blockOnError: boolean;
  /**
   * Where, in text streamed so far, a match could still begin and grow with what comes next: a
   * stream holds back from there. Default: the detector's maxMatchLength - 1 from the end.
   */
  readonly holdFrom?: (text: string) => number;
  /** On a request, only the caller's turns and tool results are checked (prompt_injection). */
  readonly callerTextOnly?: boolean;
}

export interface CheckDeps {
  calls: InternalCalls;
}

/**
 * `input` covers all the request's text, tool results included; `output` the answer's text and
 * tool-call arguments. `tool_args` / `tool_results` alone narrow a guardrail to tool content.
 */
function phasesOf(on: readonly GuardrailPhase[]): Set<GuardrailPhase> {
  const phases = new Set(on);
  if (phases.has('input')) phases.add('tool_results');
  if (phases.has('output')) phases.add('tool_args');
  return phases;
}

export function buildCheck(name: string, config: GuardrailConfig, deps: CheckDeps): Check {
  const base = {
    name,
    type: config.type,
    action: config.action,
    shadow: config.mode === 'shadow',
    phases: phasesOf(config.on),
    blockOnError: config.type === 'external' && config.on_error === 'block',
  };
  if (config.type === 'json_schema') {
    // The schema is the answer's: it never applies to the request or to tool arguments.
    const validate = schemaValidator(config.schema);
    return {
      ...base,
      phases: new Set(['output']),
      validate,
      judge: async (text, ctx) => validate(text, ctx),
    };
  }
  if (config.type === 'external') {
    const judge =
      config.adapter === 'llm_judge' ? llmJudge(name, config, deps.calls) : moderationJudge(config);
    return { ...base, judge };
  }
  const detector = detectorFor(config);
  if (!detector) throw new Error(`guardrails.${name}: no detector for type "${config.type}"`);
  if (config.type === 'secrets') return { ...base, detector, holdFrom: secretsHold(config.entities) };
  if (config.type === 'prompt_injection') return { ...base, detector, callerTextOnly: true };
  return { ...base, detector };
}

const pemEnd = /-----END [A-Z ]{0,20}PRIVATE KEY(?: BLOCK)?-----/;

/**
 * A PEM private key is the one secret far longer than the rest (several KB), and it always begins
 * with "-----BEGIN": a stream holds back that far only from such a line, and otherwise as far as
 * the longest other secret.
 */
function secretsHold(entities: readonly string[] | undefined): ((text: string) => number) | undefined {
  const all = entities ?? secretEntities;
  if (!all.includes('private_key')) return undefined;
  const others = all.filter((e) => e !== 'private_key');
  const short = others.length > 0 ? secretsDetector({ entities: others }).maxMatchLength : 16;
  const long = secretsDetector({ entities: ['private_key'] }).maxMatchLength;
  return (text) => {
    // The first key block in reach that has not ended yet: it may still grow.
    let open = text.length;
    for (let at = text.indexOf('-----BEGIN', Math.max(0, text.length - long)); at >= 0; ) {
      const next = text.indexOf('-----BEGIN', at + 10);
      if (!pemEnd.test(text.slice(at, next < 0 ? undefined : next))) {
        open = at;
        break;
      }
      at = next;
    }
    return Math.max(0, Math.min(text.length - (short - 1), open));
  };
}
