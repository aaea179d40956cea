// Removes personal data and credentials from logged request/response bodies before they are stored
// or exported. Detection is core/detect's, the same library guardrails use, so what a guardrail
// calls a card the log calls a card. The log names findings by broad kind ([REDACTED:NATIONAL_ID]
// for an SSN, [REDACTED:SECRET] for any credential), so stored bodies keep one stable vocabulary.
//
// IP addresses and postal addresses are not redacted here: request logs keep the caller's IP on
// purpose, and address detection is a heuristic better left to guardrails a team opts into.

import {
  type Finding as DetectorFinding,
  piiDetector,
  redactFindings,
  secretsDetector,
} from '../core/detect/index.ts';

export type RedactedKind = 'email' | 'phone' | 'card' | 'iban' | 'national_id' | 'secret';

export interface Finding {
  kind: RedactedKind;
  start: number;
  end: number;
}

const pii = piiDetector({
  entities: ['email', 'phone', 'card', 'iban', 'ssn', 'uk_nino', 'es_dni', 'fr_nir'],
});
const secrets = secretsDetector();

function kindOf(entity: string): RedactedKind {
  switch (entity) {
    case 'email':
    case 'phone':
    case 'card':
    case 'iban':
      return entity;
    case 'ssn':
    case 'uk_nino':
    case 'es_dni':
    case 'fr_nir':
      return 'national_id';
    default:
      return 'secret';
  }
}

/** Secrets first: where a credential and a number overlap (a key with digits), the credential wins. */
function detect(text: string): DetectorFinding[] {
  const found = secrets.scan(text);
  const taken = (f: DetectorFinding) => found.some((s) => f.start < s.end && s.start < f.end);
  const people = pii.scan(text).filter((f) => !taken(f));
  return people.length === 0 ? found : [...found, ...people].sort((a, b) => a.start - b.start);
}

export function findSensitive(text: string): Finding[] {
  return detect(text).map(({ entity, start, end }) => ({ kind: kindOf(entity), start, end }));
}

export function redactText(text: string): string {
  const findings = detect(text);
  return findings.length === 0
    ? text
    : redactFindings(text, findings, (entity) => `[REDACTED:${kindOf(entity).toUpperCase()}]`);
}

const maxDepth = 64;

/** Object keys whose string values are credentials whatever they look like. */
const credentialKeys = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'clientsecret',
  'secretkey',
  'apikey',
  'xapikey',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authtoken',
  'sessiontoken',
  'privatekey',
]);

const isCredentialKey = (key: string) => credentialKeys.has(key.toLowerCase().replace(/[-_]/g, ''));

/**
 * A copy of a parsed JSON value with every string redacted. Keys are kept; values under credential
 * keys (`password`, `authorization`, …) are redacted whole. Containers nested deeper than 64 levels
 * become '[TRUNCATED]', so hostile input cannot exhaust the stack.
 */
export function redactJson(value: unknown): unknown {
  return redactValue(value, 0, new Set());
}

function redactValue(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (depth >= maxDepth) return '[TRUNCATED]';
  if (ancestors.has(value)) return '[CIRCULAR]';
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, ancestors));
    // fromEntries defines own properties, so a `__proto__` key stays data instead of a prototype.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        typeof item === 'string' && item !== '' && isCredentialKey(key)
          ? '[REDACTED:SECRET]'
          : redactValue(item, depth + 1, ancestors),
      ]),
    );
  } finally {
    ancestors.delete(value);
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
