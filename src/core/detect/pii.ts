// Personal data: one combined regex proposes candidates in a single pass; each candidate is then
// validated in code (Luhn, mod-97, check letters, issuer ranges, libphonenumber's numbering plans),
// so shapes that merely look alike (order numbers, timestamps, dates, versions) are left untouched.
//
// Every pattern must stay linear on adversarial input (bodies reach 100 KB): a quantified group is
// only used when each repetition begins with a mandatory character its inner quantifier cannot
// match, so any input has exactly one parse; a candidate that may start mid-run is anchored by a
// lookbehind, so a long run is scanned once, not once per position.
//
// Lookbehinds read `(?<!(?<!\\)[\w])`: "not glued to a word character, unless that character is the
// letter of an escape such as \n". Nested JSON (tool-call arguments, SSE data lines) keeps its
// escapes, and "\n415-555-2671" must still be found without swallowing the `n`.

import { findAddresses } from './address.ts';
import { validPhone } from './phone.ts';
import { type Candidate, candidatesFor, type Finding, scanCandidates, whole } from './types.ts';
import {
  validCard,
  validDni,
  validIban,
  validIpv4,
  validIpv6,
  validNanp,
  validNino,
  validNir,
  validSsn,
} from './validators.ts';

export const piiEntities = [
  'email',
  'phone',
  'card',
  'iban',
  'ssn',
  'uk_nino',
  'es_dni',
  'fr_nir',
  'ip',
  'address',
] as const;

/** A printed IBAN may be followed by a four-character word; retry without trailing groups. */
function acceptIban(match: string, start: number): Finding[] {
  let candidate = match;
  for (;;) {
    if (validIban(candidate.replace(/ /g, '')))
      return [{ entity: 'iban', start, end: start + candidate.length }];
    const cut = candidate.lastIndexOf(' ');
    if (cut < 0) return [];
    candidate = candidate.slice(0, cut);
  }
}

/** The text before an `@` ends inside `scheme://user:` */
const urlCredentials = /:\/\/[^\s/@]*:$/;
/** RFC 5321's limit: a longer run is not an address (and maxMatchLength stays true). */
export const maxEmailLength = 254;
/** A word before four dotted numbers that makes them a version. */
const versionBefore = /(?:\b(?:version|release|build|driver|firmware)|\bv)\s*$/i;
const ibanStart = /[A-Z]{2}\d{2}/;
const upperPair = /[A-Z]{2} ?\d{2}/;
const eightDigits = /\d{7}/;
/** Every digit-group layout has 9 digits or more, so a text needs a few digits close together. */
const nineDigits = /\d[\d .-]{7,}\d/;

const candidates: Candidate[] = [
  {
    // `user@localhost` and `a@b` are not matched: a dotted domain with a 2+ letter TLD is required.
    name: 'email',
    needs: (t) => t.includes('@'),
    entities: ['email'],
    pattern: /(?<!(?<!\\)[\w.%+-]|\\)[\w.%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/,
    // `redis://:password@cache.internal` is a URL's credentials (the secrets detector's), not an email.
    accept: (match, start, _groups, text) =>
      match.length > maxEmailLength || urlCredentials.test(text.slice(Math.max(0, start - 300), start))
        ? []
        : whole('email')(match, start),
  },
  {
    // Electronic form, or printed in groups of four.
    name: 'iban',
    needs: (t) => ibanStart.test(t),
    entities: ['iban'],
    pattern:
      /(?<!(?<!\\)[A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9])/,
    accept: acceptIban,
  },
  {
    name: 'nino',
    needs: (t) => upperPair.test(t),
    entities: ['uk_nino'],
    pattern: /(?<!(?<!\\)[A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/,
    accept: whole('uk_nino', validNino),
  },
  {
    // Spanish DNI (8 digits) and NIE (X/Y/Z + 7 digits), each with a check letter.
    name: 'dni',
    needs: (t) => eightDigits.test(t),
    entities: ['es_dni'],
    pattern: /(?<!(?<!\\)[A-Za-z0-9])(?:\d{8}|[XYZ]\d{7})-?[A-Z](?![A-Za-z0-9])/,
    accept: whole('es_dni', validDni),
  },
  {
    // Only the Corsican form (department 2A/2B) needs its own pattern; all-digit NIRs are
    // recognised among digit groups below.
    name: 'nirCorsica',
    needs: (t) => t.includes('2A') || t.includes('2B'),
    entities: ['fr_nir'],
    pattern: /(?<!(?<!\\)[\w.])[12378] ?\d{2} ?\d{2} ?2[AB] ?\d{3} ?\d{3} ?\d{2}(?!\w)/,
    accept: whole('fr_nir', (match) => validNir(match.replace(/ /g, ''))),
  },
  {
    // Before the digit groups, which would otherwise take `10.0.0.1` apart.
    name: 'ipv4',
    needs: (t) => t.includes('.'),
    entities: ['ip'],
    pattern: /(?<!(?<!\\)[\w.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w.]|\.\d)/,
    // "version 2.10.4.1" and "v1.2.3.4" are versions, not addresses.
    accept: (match, start, _groups, text) =>
      versionBefore.test(text.slice(Math.max(0, start - 12), start))
        ? []
        : whole('ip', validIpv4)(match, start),
  },
  {
    // Hex groups joined by colons; at least two colons so `12:30` or `a::b` in code need the check.
    name: 'ipv6',
    needs: (t) => t.includes(':'),
    entities: ['ip'],
    pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:])/,
    // Three non-empty groups at least: `std::vector` and `a::b` are C++ and Rust, not addresses.
    accept: whole('ip', (m) => validIpv6(m) && m.split(':').filter((g) => g !== '').length >= 3),
  },
  {
    // International numbers with a leading +: one digit per repetition, up to two separators before it.
    name: 'intlPhone',
    needs: (t) => t.includes('+'),
    entities: ['phone'],
    pattern: /(?<!(?<!\\)[\w+])\+\d(?:[ .()-]{0,2}\d){6,15}(?!\d)/,
    accept: whole('phone', (match) => validPhone(match, undefined)),
  },
  {
    name: 'nanpPhone',
    needs: (t) => t.includes('('),
    entities: ['phone'],
    pattern: /(?<!(?<!\\)[\w)])(?:1[ -]?)?\(\d{3}\) ?\d{3}[-. ]\d{4}(?!\w)/,
    accept: whole('phone', (match) => validPhone(match, 'US')),
  },
  {
    // Runs of digit groups joined by one space, dash or dot: cards, SSNs, NIRs, national phones.
    name: 'digits',
    needs: (t) => nineDigits.test(t),
    entities: ['card', 'ssn', 'fr_nir', 'phone'],
    pattern: /(?<!(?<!\\)[\w.])\d+(?:[ .-]\d+)*(?!\w)/,
    accept: (match, start) => acceptDigitGroups(match, start),
  },
];

/** The longest layout recognised (a spaced NIR: 1 85 05 78 006 084 91). */
const maxWindowGroups = 7;

/**
 * Finds the longest recognised window of consecutive groups at each position, so a card or
 * phone number is still found when other numbers sit beside it ("qty 2 4111 1111 1111 1111").
 */
function acceptDigitGroups(match: string, start: number): Finding[] {
  if (match.length < 9) return []; // shorter than any layout below; most numbers stop here
  if (/^\d+$/.test(match)) {
    const entity = classifyDigitWindow(String(match.length), match, '', true);
    return entity === null ? [] : [{ entity, start, end: start + match.length }];
  }
  // offsets[k] is where group k starts in match; separators[k] is the character before it.
  const offsets: number[] = [0];
  const separators: string[] = [''];
  for (let k = 0; k < match.length; k++) {
    if (match[k]! < '0' || match[k]! > '9') {
      offsets.push(k + 1);
      separators.push(match[k]!);
    }
  }
  const count = offsets.length;
  const groupEnd = (k: number) => (k + 1 < count ? offsets[k + 1]! - 1 : match.length);
  const findings: Finding[] = [];
  let i = 0;
  while (i < count) {
    let best: { last: number; entity: string } | null = null;
    // A window never starts or ends at a dot: 0.41111111111111116 is a float, not a card.
    if (separators[i] !== '.') {
      let layout = '';
      let digits = '';
      for (let j = i; j < count && j < i + maxWindowGroups; j++) {
        if (j > i + 1 && separators[j] !== separators[i + 1]) break; // one separator per window
        const group = match.slice(offsets[j], groupEnd(j));
        layout += (j > i ? ',' : '') + group.length;
        digits += group;
        if (digits.length > 19) break;
        if (digits.length < 9 || separators[j + 1] === '.') continue;
        const entity = classifyDigitWindow(
          layout,
          digits,
          separators[i + 1] ?? '',
          i === 0 && j === count - 1,
        );
        if (entity !== null) best = { last: j, entity };
      }
    }
    if (best === null) {
      i++;
      continue;
    }
    findings.push({ entity: best.entity, start: start + offsets[i]!, end: start + groupEnd(best.last) });
    i = best.last + 1;
  }
  return findings;
}

/** `layout` lists the group sizes ("4,4,4,4"); `separator` is '' for a single group. */
function classifyDigitWindow(
  layout: string,
  digits: string,
  separator: string,
  wholeRun: boolean,
): string | null {
  if (separator !== '.' && isCardLayout(layout) && validCard(digits)) return 'card';
  if (separator !== '.' && layout === '3,2,4' && validSsn(digits)) return 'ssn';
  if ((layout === '15' || (separator === ' ' && layout === '1,2,2,2,3,3,2')) && validNir(digits))
    return 'fr_nir';
  if (isPhoneLayout(layout, digits, separator, wholeRun)) return 'phone';
  return null;
}

/** Contiguous, or grouped as printed on cards: 4-4-4-4(-3), 4-6-5, 4-6-4. */
const isCardLayout = (layout: string) => /^(?:\d+|4(?:,[46])*,[1-6])$/.test(layout);

/**
 * National numbers (no `+`). A bare run of digits is indistinguishable from a count or an id, so a
 * separator is required; the layout picks the numbering plan to check against.
 */
function isPhoneLayout(layout: string, digits: string, separator: string, wholeRun: boolean): boolean {
  if (separator === '') return false;
  if (layout === '3,3,4')
    return validNanp(digits.slice(0, 3), digits.slice(3, 6)) && validPhone(digits, 'US');
  if (layout === '1,3,3,4') {
    return digits[0] === '1' && validNanp(digits.slice(1, 4), digits.slice(4, 7)) && validPhone(digits, 'US');
  }
  // Other layouts vary by country, so only a run standing alone counts (not groups cut from a list).
  if (!wholeRun || /(?:^|,)1(?:,|$)/.test(layout)) return false;
  // European numbers with a trunk 0: 020 7946 0958, 01 23 45 67 89, 030 12345678.
  if (digits[0] === '0' && digits.length >= 10 && digits.length <= 12) return validPhone(digits, 'EU');
  // Spanish numbers have no trunk prefix: 612 345 678, 91 123 45 67.
  if (digits.length === 9 && /^[6789]/.test(digits) && separator === ' ') return validPhone(digits, 'ES');
  return false;
}

const byEntities = new Map<string, { candidates: Candidate[]; cache: Map<number, RegExp> }>();

function forEntities(entities: ReadonlySet<string>) {
  const key = [...entities].sort().join(',');
  let entry = byEntities.get(key);
  if (!entry) {
    entry = {
      candidates: candidates.filter((c) => c.entities.some((e) => entities.has(e))),
      cache: new Map(),
    };
    byEntities.set(key, entry);
  }
  return entry;
}

export function scanPii(text: string, entities: ReadonlySet<string>): Finding[] {
  const entry = forEntities(entities);
  const active = candidatesFor(text, entry.candidates, entry.cache);
  let findings = active === null ? [] : scanCandidates(text, active.chosen, active.combined);
  if (entities.has('address')) {
    const addresses = findAddresses(text);
    if (addresses.length > 0) findings = mergeSorted(findings, addresses);
  }
  return findings.filter((f) => entities.has(f.entity));
}

/** Both lists are sorted; an address swallows the numbers inside it (its postcode, its house number). */
function mergeSorted(a: Finding[], b: Finding[]): Finding[] {
  const out: Finding[] = [];
  const all = [...a, ...b].sort((x, y) => x.start - y.start || y.end - x.end);
  for (const f of all) {
    const last = out.at(-1);
    if (last && f.start < last.end) {
      if (f.entity === 'address' && last.entity !== 'address') {
        out.pop();
        out.push(f);
      }
      continue;
    }
    out.push(f);
  }
  return out;
}
