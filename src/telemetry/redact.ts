// Removes personal data and credentials from logged request/response bodies before they are stored
// or exported. One combined regex proposes candidates in a single pass; each candidate is then
// validated in code (Luhn, mod-97, check letters, issuer ranges), so shapes that merely look alike
// (order numbers, timestamps, dates) are left untouched.
//
// Every pattern must stay linear on adversarial input (bodies reach 100 KB): a quantified group is
// only used when each repetition begins with a mandatory character its inner quantifier cannot
// match, so any input has exactly one parse; a candidate that may start mid-run is anchored by a
// lookbehind, so a long run is scanned once, not once per position.
//
// Lookbehinds read `(?<!(?<!\\)[\w])`: "not glued to a word character, unless that character is the
// letter of an escape such as \n". Nested JSON (tool-call arguments, SSE data lines) keeps its
// escapes, and "\n415-555-2671" must still be found without swallowing the `n`.

export type RedactedKind = 'email' | 'phone' | 'card' | 'iban' | 'national_id' | 'secret';

export interface Finding {
  kind: RedactedKind;
  start: number;
  end: number;
}

/** A candidate pattern and the check that turns a match into findings (or none). */
interface Detector {
  name: string;
  pattern: RegExp;
  accept: (match: string, start: number, groups: Record<string, string | undefined>) => Finding[];
}

const secret = (start: number, end: number): Finding[] => [{ kind: 'secret', start, end }];
const whole =
  (kind: RedactedKind, valid: (match: string) => boolean = () => true) =>
  (match: string, start: number): Finding[] =>
    valid(match) ? [{ kind, start, end: start + match.length }] : [];

/** Real keys are random: a long lowercase slug such as `gh-pages-deploy-workflow` is not one. */
const looksRandom = (token: string) => /\d/.test(token) || (/[a-z]/.test(token) && /[A-Z]/.test(token));

/** The value is the tail of the match, so its span follows from its length. */
const tail = (value: string | undefined, match: string, start: number): Finding[] =>
  value ? secret(start + match.length - value.length, start + match.length) : [];

const detectors: Detector[] = [
  {
    name: 'pem',
    pattern:
      /-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----[A-Za-z0-9+/=\s\\]{16,20000}-----END [A-Z ]{0,20}PRIVATE KEY-----/,
    accept: whole('secret'),
  },
  {
    // `password=…`, `"api_key": "…"`, `DB_PASSWORD: …`; the key stays, the value goes.
    name: 'assignment',
    pattern:
      /(?<!(?<!\\)[A-Za-z0-9])(?i:pass(?:word|wd|phrase)|api[_-]?key|secret[_-]?key|client[_-]?secret|(?:access|refresh|auth)[_-]?token)\\?["']?[ \t]*[:=]>?[ \t]*(?:\\?["'](?<quotedValue>[^"'\\\n]{1,256})|(?<bareValue>[^\s"'\\&,;]{1,256}))/,
    accept: (match, start, groups) => tail(groups['quotedValue'] ?? groups['bareValue'], match, start),
  },
  {
    name: 'httpAuth',
    pattern:
      /(?<!(?<!\\)[\w-])(?:(?:Bearer|bearer|BEARER)[ \t]+(?<bearerToken>[\w.~+/=-]{8,})|Basic[ \t]+(?<basicToken>[A-Za-z0-9+/]{6,}={0,2}))/,
    accept: (match, start, groups) => {
      const bearer = groups['bearerToken'];
      if (bearer !== undefined) return /[\d._~+/=-]/.test(bearer) ? tail(bearer, match, start) : [];
      const basic = groups['basicToken']!;
      return Buffer.from(basic, 'base64').toString('latin1').includes(':') ? tail(basic, match, start) : [];
    },
  },
  {
    // OpenAI/Anthropic `sk-…`, Gatehouse `gh-…`, GitHub, AWS, Google, Slack, JWT.
    name: 'token',
    pattern:
      /(?<!(?<!\\)[\w-])(?:(?:sk|gh)-[\w-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{22,}|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])|AIza[\w-]{35}(?![\w-])|xox[abpr]-[A-Za-z0-9-]{10,}|eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*)/,
    accept: whole('secret', (match) => !/^(?:sk|gh)-/.test(match) || looksRandom(match.slice(3))),
  },
  {
    // `user@localhost` and `a@b` are not matched: a dotted domain with a 2+ letter TLD is required.
    name: 'email',
    pattern: /(?<!(?<!\\)[\w.%+-]|\\)[\w.%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/,
    accept: whole('email'),
  },
  {
    // Electronic form, or printed in groups of four.
    name: 'iban',
    pattern:
      /(?<!(?<!\\)[A-Za-z0-9])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9])/,
    accept: acceptIban,
  },
  {
    name: 'nino',
    pattern: /(?<!(?<!\\)[A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/,
    accept: whole('national_id', validNino),
  },
  {
    // Spanish DNI (8 digits) and NIE (X/Y/Z + 7 digits), each with a check letter.
    name: 'dni',
    pattern: /(?<!(?<!\\)[A-Za-z0-9])(?:\d{8}|[XYZ]\d{7})-?[A-Z](?![A-Za-z0-9])/,
    accept: whole('national_id', validDni),
  },
  {
    // Only the Corsican form (department 2A/2B) needs its own pattern; all-digit NIRs are
    // recognised among digit groups below.
    name: 'nirCorsica',
    pattern: /(?<!(?<!\\)[\w.])[12378] ?\d{2} ?\d{2} ?2[AB] ?\d{3} ?\d{3} ?\d{2}(?!\w)/,
    accept: whole('national_id', (match) => validNir(match.replace(/ /g, ''))),
  },
  {
    // International numbers with a leading +: one digit per repetition, up to two separators before it.
    name: 'intlPhone',
    pattern: /(?<!(?<!\\)[\w+])\+\d(?:[ .()-]{0,2}\d){6,15}(?!\d)/,
    accept: whole('phone', (match) => {
      const digits = match.replace(/\D/g, '').length;
      return digits >= 8 && digits <= 15;
    }),
  },
  {
    name: 'nanpPhone',
    pattern: /(?<!(?<!\\)[\w)])\(\d{3}\) ?\d{3}[-. ]\d{4}(?!\w)/,
    accept: whole('phone', (match) => validNanp(match.slice(1, 4), match.slice(-8, -5))),
  },
  {
    // Runs of digit groups joined by one space, dash or dot: cards, SSNs, NIRs, national phones.
    name: 'digits',
    pattern: /(?<!(?<!\\)[\w.])\d+(?:[ .-]\d+)*(?!\w)/,
    accept: acceptDigitGroups,
  },
];

const candidates = new RegExp(detectors.map((d) => `(?<${d.name}>${d.pattern.source})`).join('|'), 'g');

export function findSensitive(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(candidates)) {
    const groups = match.groups!;
    const detector = detectors.find((d) => groups[d.name] !== undefined)!;
    for (const finding of detector.accept(match[0], match.index, groups)) findings.push(finding);
  }
  return findings;
}

export function redactText(text: string): string {
  const findings = findSensitive(text);
  if (findings.length === 0) return text;
  let out = '';
  let at = 0;
  for (const { kind, start, end } of findings) {
    out += text.slice(at, start) + `[REDACTED:${kind.toUpperCase()}]`;
    at = end;
  }
  return out + text.slice(at);
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

// --- digit groups ---------------------------------------------------------------------------

/** The longest layout recognised (a spaced NIR: 1 85 05 78 006 084 91). */
const maxWindowGroups = 7;

/**
 * Finds the longest recognised window of consecutive groups at each position, so a card or
 * phone number is still found when other numbers sit beside it ("qty 2 4111 1111 1111 1111").
 */
function acceptDigitGroups(match: string, start: number): Finding[] {
  if (match.length < 9) return []; // shorter than any layout below; most numbers stop here
  if (/^\d+$/.test(match)) {
    const kind = classifyDigitWindow(String(match.length), match, '', true);
    return kind === null ? [] : [{ kind, start, end: start + match.length }];
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
    let best: { last: number; kind: RedactedKind } | null = null;
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
        const kind = classifyDigitWindow(layout, digits, separators[i + 1] ?? '', i === 0 && j === count - 1);
        if (kind !== null) best = { last: j, kind };
      }
    }
    if (best === null) {
      i++;
      continue;
    }
    findings.push({ kind: best.kind, start: start + offsets[i]!, end: start + groupEnd(best.last) });
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
): RedactedKind | null {
  if (separator !== '.' && isCardLayout(layout) && validCard(digits)) return 'card';
  if (separator !== '.' && layout === '3,2,4' && validSsn(digits)) return 'national_id';
  if ((layout === '15' || (separator === ' ' && layout === '1,2,2,2,3,3,2')) && validNir(digits)) {
    return 'national_id';
  }
  if (isPhoneLayout(layout, digits, separator, wholeRun)) return 'phone';
  return null;
}

/** Contiguous, or grouped as printed on cards: 4-4-4-4(-3), 4-6-5, 4-6-4. */
const isCardLayout = (layout: string) => /^(?:\d+|4(?:,[46])*,[1-6])$/.test(layout);

function isPhoneLayout(layout: string, digits: string, separator: string, wholeRun: boolean): boolean {
  if (separator === '') return false; // a bare run of digits is indistinguishable from a count or id
  if (layout === '3,3,4') return validNanp(digits.slice(0, 3), digits.slice(3, 6));
  if (layout === '1,3,3,4') return digits[0] === '1' && validNanp(digits.slice(1, 4), digits.slice(4, 7));
  // National numbers with a trunk 0, as written in Europe: 020 7946 0958, 01 23 45 67 89. Their
  // layouts vary, so only a run standing alone counts (not four groups cut from a longer list).
  return (
    wholeRun &&
    digits[0] === '0' &&
    digits.length >= 10 &&
    digits.length <= 11 &&
    !/(?:^|,)1(?:,|$)/.test(layout)
  );
}

// --- validators -----------------------------------------------------------------------------

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Luhn passes one random number in ten, so the issuer range and its lengths are checked too.
 * Millisecond timestamps (1…), French NIRs (15 digits, 1/2…) and most order numbers fall outside.
 */
function validCard(digits: string): boolean {
  const n = digits.length;
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  const issuer =
    (digits[0] === '4' && (n === 13 || n === 16 || n === 19)) || // Visa
    (((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) && n === 16) || // Mastercard
    ((two === 34 || two === 37) && n === 15) || // Amex
    ([30, 35, 36, 38, 39].includes(two) && n >= 14 && n <= 19) || // Diners, JCB
    ((two === 50 || (two >= 56 && two <= 69)) && n >= 13 && n <= 19); // Maestro, Discover, UnionPay
  return issuer && luhn(digits);
}

/** Area 000, 666 and 900–999, group 00 and serial 0000 are never issued. */
function validSsn(digits: string): boolean {
  const area = digits.slice(0, 3);
  return (
    area !== '000' &&
    area !== '666' &&
    area[0] !== '9' &&
    digits.slice(3, 5) !== '00' &&
    !digits.endsWith('0000')
  );
}

function validNanp(area: string, exchange: string): boolean {
  return area[0]! >= '2' && exchange[0]! >= '2';
}

/** ISO 13616: move the first four characters to the end, letters to numbers, mod 97 must be 1. */
function validIban(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const value = Number.parseInt(ch, 36);
    rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
  }
  return rest === 1;
}

/** A printed IBAN may be followed by a four-character word; retry without trailing groups. */
function acceptIban(match: string, start: number): Finding[] {
  let candidate = match;
  for (;;) {
    if (validIban(candidate.replace(/ /g, '')))
      return [{ kind: 'iban', start, end: start + candidate.length }];
    const cut = candidate.lastIndexOf(' ');
    if (cut < 0) return [];
    candidate = candidate.slice(0, cut);
  }
}

const ninoBadFirst = new Set('DFIQUV');
const ninoBadSecond = new Set('DFIOQUV');
const ninoBadPrefixes = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** HMRC rules; `QQ` is HMRC's placeholder prefix and, like the other unissued ones, is refused. */
function validNino(match: string): boolean {
  const prefix = match.slice(0, 2);
  return !ninoBadFirst.has(prefix[0]!) && !ninoBadSecond.has(prefix[1]!) && !ninoBadPrefixes.has(prefix);
}

const dniLetters = 'TRWAGMYFPDXBNJZSQVHLCKE';

function validDni(match: string): boolean {
  const number = Number(match.slice(0, 8).replace('X', '0').replace('Y', '1').replace('Z', '2'));
  return dniLetters[number % 23] === match.at(-1);
}

/** French NIR: key = 97 − (first 13 characters mod 97); Corsica's 2A/2B count as 19/18. */
function validNir(compact: string): boolean {
  const body = Number(compact.slice(0, 13).replace('2A', '19').replace('2B', '18'));
  const month = Number(compact.slice(3, 5));
  const monthOk = (month >= 1 && month <= 12) || month >= 20;
  return monthOk && 97 - (body % 97) === Number(compact.slice(13));
}
