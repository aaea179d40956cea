// The veto: two prompts whose vectors are close may still ask opposite things — "enable 2FA" and
// "disable 2FA", "10 mg" and "100 mg" — and embeddings, which weigh every word about alike, are
// worst exactly there. So before a semantic match is served, the two texts are compared on what
// flips an answer: the numbers (with their units), negation, and words of an antonym pair. Any
// difference vetoes the match. It errs towards vetoing: a vetoed paraphrase costs one upstream call,
// a served wrong answer costs much more. Pure: imports nothing of ours.
import { canonical, joinPhrases, normalise, words } from './offline/words.ts';

const negators = new Set([
  'not',
  'no',
  'never',
  'without',
  'none',
  'nobody',
  'nothing',
  'neither',
  'nor',
  'nowhere',
  'unable',
]);

// Pairs of canonical words (see words.ts) that flip an answer; either side may stand for the other
// side's synonyms, since words are read through the synonym table first.
const antonymPairs: Array<[string, string]> = [
  ['enable', 'disable'],
  ['allow', 'deny'],
  ['on', 'off'],
  ['increase', 'decrease'],
  ['add', 'remove'],
  ['include', 'exclude'],
  ['start', 'stop'],
  ['open', 'close'],
  ['install', 'uninstall'],
  ['upgrade', 'downgrade'],
  ['login', 'logout'],
  ['buy', 'sell'],
  ['import', 'export'],
  ['upload', 'download'],
  ['encrypt', 'decrypt'],
  ['lock', 'unlock'],
  ['show', 'hide'],
  ['accept', 'reject'],
  ['before', 'after'],
  ['min', 'max'],
  ['minimum', 'maximum'],
  ['more', 'less'],
  ['most', 'least'],
  ['high', 'low'],
  ['higher', 'lower'],
  ['highest', 'lowest'],
  ['largest', 'smallest'],
  ['fastest', 'slowest'],
  ['cheapest', 'most expensive'],
  ['big', 'small'],
  ['best', 'worst'],
  ['first', 'last'],
  ['true', 'false'],
  ['yes', 'no'],
  ['input', 'output'],
  ['public', 'private'],
  ['safe', 'unsafe'],
  ['legal', 'illegal'],
  ['with', 'without'],
  ['above', 'below'],
  ['inside', 'outside'],
  ['hot', 'cold'],
  ['win', 'lose'],
  ['push', 'pull'],
  ['read', 'write'],
  ['send', 'receive'],
  ['left', 'right'],
  ['north', 'south'],
  ['east', 'west'],
  ['male', 'female'],
  ['positive', 'negative'],
  ['ascend', 'descend'],
  ['ascending', 'descending'],
];

const antonymSide = new Map<string, { pair: number; side: 0 | 1 }>();
antonymPairs.forEach(([a, b], pair) => {
  // Synonyms may fold two pairs' words together ("lower" reads as "decrease"): the first pair wins.
  if (!antonymSide.has(canonical(a))) antonymSide.set(canonical(a), { pair, side: 0 });
  if (!antonymSide.has(canonical(b))) antonymSide.set(canonical(b), { pair, side: 1 });
});

// Written-out numbers, so that "ten" and "10" agree (and "ten" and "100" do not).
const numberWords: Record<string, number> = {
  zero: 0,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  hundred: 100,
  thousand: 1000,
  million: 1_000_000,
  billion: 1_000_000_000,
  half: 0.5,
  dozen: 12,
  twice: 2,
  thrice: 3,
};

const units: Record<string, string> = {
  mg: 'mg',
  milligram: 'mg',
  milligrams: 'mg',
  g: 'g',
  gram: 'g',
  grams: 'g',
  kg: 'kg',
  kilogram: 'kg',
  kilograms: 'kg',
  mcg: 'mcg',
  ug: 'mcg',
  microgram: 'mcg',
  micrograms: 'mcg',
  ml: 'ml',
  milliliter: 'ml',
  milliliters: 'ml',
  millilitre: 'ml',
  millilitres: 'ml',
  l: 'l',
  liter: 'l',
  liters: 'l',
  litre: 'l',
  litres: 'l',
  km: 'km',
  kilometer: 'km',
  kilometers: 'km',
  kilometre: 'km',
  kilometres: 'km',
  m: 'm',
  meter: 'm',
  meters: 'm',
  metre: 'm',
  metres: 'm',
  cm: 'cm',
  mm: 'mm',
  mi: 'mi',
  mile: 'mi',
  miles: 'mi',
  ft: 'ft',
  foot: 'ft',
  feet: 'ft',
  inch: 'in',
  inches: 'in',
  lb: 'lb',
  lbs: 'lb',
  pound: 'lb',
  pounds: 'lb',
  oz: 'oz',
  ounce: 'oz',
  ounces: 'oz',
  s: 's',
  sec: 's',
  second: 's',
  seconds: 's',
  ms: 'ms',
  min: 'min',
  minute: 'min',
  minutes: 'min',
  h: 'h',
  hr: 'h',
  hour: 'h',
  hours: 'h',
  day: 'd',
  days: 'd',
  week: 'w',
  weeks: 'w',
  month: 'mo',
  months: 'mo',
  year: 'y',
  years: 'y',
  percent: '%',
  usd: 'usd',
  dollar: 'usd',
  dollars: 'usd',
  eur: 'eur',
  euro: 'eur',
  euros: 'eur',
  gb: 'gb',
  mb: 'mb',
  kb: 'kb',
  tb: 'tb',
  c: 'c',
  f: 'f',
  celsius: 'c',
  fahrenheit: 'f',
  x: 'x',
  times: 'x',
  pm: 'pm',
  am: 'am',
};

/** Which differences veto (`cache.semantic.veto`); antonyms count as negation. */
export interface VetoChecks {
  negation: boolean;
  numbers: boolean;
}

/** What decides the veto, read from one text. */
export interface VetoSignature {
  /** Numbers with their unit where one follows (`10 mg` → `10mg`), sorted. */
  numbers: string[];
  negated: boolean;
  /** Per antonym pair present: which side(s), as a bit mask (1 = first word, 2 = second). */
  antonyms: Map<number, number>;
}

export function vetoSignature(text: string): VetoSignature {
  // Currency and percent signs become unit words; "10mg" is split into "10 mg".
  const prepared = normalise(text)
    .replace(/[$]\s*(\d[\d.,]*)/g, '$1 usd ')
    .replace(/€\s*(\d[\d.,]*)/g, '$1 eur ')
    .replace(/(\d)\s*%/g, '$1 percent ')
    .replace(/(\d)([a-z]+)/g, '$1 $2');
  const tokens = words(joinPhrases(prepared));
  const numbers: string[] = [];
  const antonyms = new Map<number, number>();
  let negations = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const value = /^\d/.test(token) ? Number(token.replace(/,/g, '')) : numberWords[token];
    if (value !== undefined && !Number.isNaN(value)) {
      const unit = units[tokens[i + 1] ?? ''];
      numbers.push(`${value}${unit ?? ''}`);
      continue;
    }
    if (negators.has(token)) negations++;
    const side = antonymSide.get(canonical(token)) ?? antonymSide.get(token);
    if (side) antonyms.set(side.pair, (antonyms.get(side.pair) ?? 0) | (side.side === 0 ? 1 : 2));
  }
  numbers.sort();
  return { numbers, negated: negations % 2 === 1, antonyms };
}

/**
 * Why two prompts must not share an answer, or undefined when nothing flips: different numbers,
 * one negated and the other not, or words of an antonym pair on opposite sides.
 */
export function vetoReason(
  a: VetoSignature,
  b: VetoSignature,
  checks: VetoChecks = { negation: true, numbers: true },
): string | undefined {
  if (checks.numbers && a.numbers.join(' ') !== b.numbers.join(' ')) return 'numbers differ';
  if (!checks.negation) return undefined;
  if (a.negated !== b.negated) return 'negation differs';
  for (const [pair, sides] of a.antonyms) {
    const other = b.antonyms.get(pair);
    // One says only "enable", the other only "disable"; a text naming both sides is left to the vector.
    if (other !== undefined && other !== sides && sides !== 3 && other !== 3) {
      return `"${antonymPairs[pair]![0]}" against "${antonymPairs[pair]![1]}"`;
    }
  }
  return undefined;
}
