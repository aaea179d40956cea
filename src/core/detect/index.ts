// One detector library for everything that looks for sensitive content: guardrails (block, redact,
// warn), the request log's redaction (telemetry/redact.ts) and the stripping of credentials from
// upstream error text (core/errors/sanitize.ts). Two detectors that disagreed would be a defect, so
// there is only this one. It sits in core/ and imports nothing of ours.

import { defaultInjectionThreshold, injectionDetector } from './injection.ts';
import { maxEmailLength, piiEntities, scanPii } from './pii.ts';
import { maxSecretLength, scanSecrets, secretEntities } from './secrets.ts';
import type { Detector, Finding } from './types.ts';
import { denyListDetector, dropOverlaps, regexDetector } from './words.ts';
import { maxAddressLength } from './address.ts';

export type { Detector, Finding } from './types.ts';
export {
  denyListDetector,
  regexDetector,
  injectionDetector,
  defaultInjectionThreshold,
  piiEntities,
  secretEntities,
};
export { scoreInjection } from './injection.ts';

function entitySet(kind: string, known: readonly string[], chosen: string[] | undefined): Set<string> {
  if (chosen === undefined) return new Set(known);
  const unknown = chosen.filter((e) => !known.includes(e));
  if (unknown.length > 0)
    throw new Error(`unknown ${kind} entit${unknown.length > 1 ? 'ies' : 'y'}: ${unknown.join(', ')}`);
  return new Set(chosen);
}

/** Emails, phones, cards, IBANs, national ids, IP and postal addresses (see piiEntities). */
export function piiDetector(options: { entities?: string[] } = {}): Detector {
  const entities = entitySet('pii', piiEntities, options.entities);
  return {
    type: 'pii',
    // An email can be the longest (254), then an address with its town (200); every other entity
    // fits in 64 (an IBAN printed in groups is 42 characters).
    maxMatchLength: entities.has('email') ? maxEmailLength : entities.has('address') ? maxAddressLength : 64,
    scan: (text) => scanPii(text, entities),
  };
}

/** Provider API keys, private keys, JWTs, passwords in URLs and assignments (see secretEntities). */
export function secretsDetector(options: { entities?: string[] } = {}): Detector {
  const entities = entitySet('secrets', secretEntities, options.entities);
  return {
    type: 'secrets',
    maxMatchLength: entities.has('private_key') ? maxSecretLength : 1024,
    scan: (text) => scanSecrets(text, entities),
  };
}

const nationalIds = new Set(['ssn', 'uk_nino', 'es_dni', 'fr_nir']);
const secretSet = new Set<string>(secretEntities);

/** The typed placeholder that replaces a finding: `[EMAIL]`, `[CARD]`, `[SECRET]`… */
export function placeholder(entity: string): string {
  if (secretSet.has(entity)) return '[SECRET]';
  if (nationalIds.has(entity)) return '[NATIONAL_ID]';
  if (entity.startsWith('regex:'))
    return `[${entity
      .slice(6)
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')}]`;
  if (entity === 'deny_list') return '[REDACTED]';
  return `[${entity.toUpperCase()}]`;
}

/**
 * The text with each finding replaced by its placeholder (or by `replace(entity)`). Overlapping
 * findings are merged into one span, named after the one that starts first.
 */
export function redactFindings(
  text: string,
  findings: readonly Finding[],
  replace: (entity: string) => string = placeholder,
): string {
  if (findings.length === 0) return text;
  const merged: Finding[] = [];
  for (const f of [...findings].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = merged.at(-1);
    if (last && f.start < last.end) last.end = Math.max(last.end, f.end);
    else merged.push({ entity: f.entity, start: f.start, end: f.end });
  }
  let out = '';
  let at = 0;
  for (const { entity, start, end } of merged) {
    out += text.slice(at, start) + replace(entity);
    at = end;
  }
  return out + text.slice(at);
}

export { dropOverlaps };
