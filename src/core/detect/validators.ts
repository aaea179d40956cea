// Checksums and issuing rules that turn a shape into an identifier. A candidate found by a pattern
// counts only when its check passes, so order numbers, timestamps and typos are left alone.

export function luhn(digits: string): boolean {
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
export function validCard(digits: string): boolean {
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
export function validSsn(digits: string): boolean {
  const area = digits.slice(0, 3);
  return (
    area !== '000' &&
    area !== '666' &&
    area[0] !== '9' &&
    digits.slice(3, 5) !== '00' &&
    !digits.endsWith('0000')
  );
}

/** North American area and exchange codes start with 2–9. */
export function validNanp(area: string, exchange: string): boolean {
  return area[0]! >= '2' && exchange[0]! >= '2';
}

/** ISO 13616: move the first four characters to the end, letters to numbers, mod 97 must be 1. */
export function validIban(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const value = Number.parseInt(ch, 36);
    rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
  }
  return rest === 1;
}

const ninoBadFirst = new Set('DFIQUV');
const ninoBadSecond = new Set('DFIOQUV');
const ninoBadPrefixes = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** HMRC rules; `QQ` is HMRC's placeholder prefix and, like the other unissued ones, is refused. */
export function validNino(match: string): boolean {
  const prefix = match.slice(0, 2).toUpperCase();
  return !ninoBadFirst.has(prefix[0]!) && !ninoBadSecond.has(prefix[1]!) && !ninoBadPrefixes.has(prefix);
}

const dniLetters = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits) and NIE (X/Y/Z + 7 digits): the letter is the number mod 23. */
export function validDni(match: string): boolean {
  const compact = match.replace('-', '').toUpperCase();
  const number = Number(compact.slice(0, 8).replace('X', '0').replace('Y', '1').replace('Z', '2'));
  return dniLetters[number % 23] === compact.at(-1);
}

/** French NIR: key = 97 − (first 13 characters mod 97); Corsica's 2A/2B count as 19/18. */
export function validNir(compact: string): boolean {
  const body = Number(compact.slice(0, 13).replace('2A', '19').replace('2B', '18'));
  const month = Number(compact.slice(3, 5));
  const monthOk = (month >= 1 && month <= 12) || month >= 20;
  return monthOk && 97 - (body % 97) === Number(compact.slice(13));
}

/** Four numbers 0–255 without leading zeros (`010.1.1.1` is more likely a version or a code). */
export function validIpv4(text: string): boolean {
  const parts = text.split('.');
  return (
    parts.length === 4 && parts.every((p) => p.length > 0 && Number(p) <= 255 && (p === '0' || p[0] !== '0'))
  );
}

/** RFC 4291 text forms: eight groups, or fewer with one `::`, optionally ending in an IPv4 address. */
export function validIpv6(text: string): boolean {
  let groups = text.split(':');
  const last = groups.at(-1)!;
  let width = 8;
  if (last.includes('.')) {
    if (!validIpv4(last)) return false;
    groups = groups.slice(0, -1);
    width = 6;
  }
  const gap = text.indexOf('::');
  if (gap !== text.lastIndexOf('::')) return false;
  const ok = (g: string) => /^[0-9A-Fa-f]{1,4}$/.test(g);
  if (gap < 0) return groups.length === width && groups.every(ok);
  const filled = groups.filter((g) => g !== '');
  // A `::` may stand at either end, which leaves one or two empty strings after the split.
  return filled.length < width && filled.every(ok);
}
