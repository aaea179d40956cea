// Well-formed fake values for the corpus: check digits computed, never a real person's or a real
// key. A seeded generator keeps the corpus the same from run to run.

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
export const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
export const digits = (r: Random, n: number) =>
  Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
const alphabet = (r: Random, n: number, chars: string) =>
  Array.from({ length: n }, () => chars[Math.floor(r() * chars.length)]).join('');
export const alnum = (r: Random, n: number) =>
  alphabet(r, n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
export const upperAlnum = (r: Random, n: number) => alphabet(r, n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
export const b64 = (r: Random, n: number) =>
  alphabet(r, n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
export const urlsafe = (r: Random, n: number) =>
  alphabet(r, n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-');
export const hex = (r: Random, n: number) => alphabet(r, n, '0123456789abcdef');
export const letters = (r: Random, n: number) =>
  alphabet(r, n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

const cardPrefixes: [string, number][] = [
  ['4', 16],
  ['4', 16],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['35', 16],
  ['62', 16],
];

export function card(r: Random, valid = true): string {
  const [prefix, length] = pick(r, cardPrefixes);
  const body = prefix + digits(r, length - prefix.length - 1);
  const check = luhnDigit(body);
  return body + (valid ? check : String((Number(check) + 1 + Math.floor(r() * 8)) % 10));
}

export function groupCard(number: string, sep: string): string {
  if (number.length === 15) return [number.slice(0, 4), number.slice(4, 10), number.slice(10)].join(sep);
  return number.match(/.{1,4}/g)!.join(sep);
}

function ibanCheck(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let rest = 0;
  for (const ch of rearranged) {
    const v = Number.parseInt(ch, 36);
    rest = (v > 9 ? rest * 100 + v : rest * 10 + v) % 97;
  }
  return String(98 - rest).padStart(2, '0');
}

const ibanShapes: Record<string, (r: Random) => string> = {
  DE: (r) => digits(r, 18),
  FR: (r) => digits(r, 10) + upperAlnum(r, 11) + digits(r, 2),
  ES: (r) => digits(r, 20),
  GB: (r) => pick(r, ['NWBK', 'BARC', 'LOYD', 'HBUK']) + digits(r, 14),
  NL: (r) => pick(r, ['ABNA', 'INGB', 'RABO']) + digits(r, 10),
  IT: (r) => 'X' + digits(r, 10) + digits(r, 12),
  BE: (r) => digits(r, 12),
  PT: (r) => digits(r, 21),
};

export function iban(r: Random, valid = true, country = pick(r, Object.keys(ibanShapes))): string {
  const bban = ibanShapes[country]!(r);
  let check = ibanCheck(country, bban);
  if (!valid) check = String((Number(check) + 1 + Math.floor(r() * 50)) % 100).padStart(2, '0');
  return country + check + bban;
}

export const printIban = (value: string) => value.match(/.{1,4}/g)!.join(' ');

export function ssn(r: Random): string {
  const area = String(1 + Math.floor(r() * 665)).padStart(3, '0');
  return `${area === '666' ? '667' : area}-${String(1 + Math.floor(r() * 98)).padStart(2, '0')}-${String(1 + Math.floor(r() * 9998)).padStart(4, '0')}`;
}

export function nino(r: Random): string {
  const first = pick(r, [...'ABCEGHJKLMNPRSTWXYZ']);
  const second = pick(r, [...'ABCEGHJKLMNPRSTWXYZ']);
  const prefix = ['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(first + second) ? 'AB' : first + second;
  return prefix + digits(r, 6) + pick(r, ['A', 'B', 'C', 'D']);
}

const dniLetters = 'TRWAGMYFPDXBNJZSQVHLCKE';
export function dni(r: Random, valid = true): string {
  const nie = r() < 0.3;
  const lead = nie ? pick(r, ['X', 'Y', 'Z']) : '';
  const body = nie ? digits(r, 7) : String(10000000 + Math.floor(r() * 89999999));
  const n = Number((lead ? String('XYZ'.indexOf(lead)) : '') + body);
  const letter = dniLetters[n % 23]!;
  return lead + body + (valid ? letter : dniLetters[(n + 1 + Math.floor(r() * 20)) % 23]);
}

export function nir(r: Random, valid = true): string {
  const body =
    pick(r, ['1', '2']) +
    digits(r, 2) +
    String(1 + Math.floor(r() * 12)).padStart(2, '0') +
    String(1 + Math.floor(r() * 95)).padStart(2, '0') +
    digits(r, 6);
  const key = 97 - (Number(body) % 97);
  const k = valid ? key : (key % 97) + 1;
  return body + String(k).padStart(2, '0');
}

export const spacedNir = (v: string) =>
  [v[0], v.slice(1, 3), v.slice(3, 5), v.slice(5, 7), v.slice(7, 10), v.slice(10, 13), v.slice(13)].join(' ');
