// Postal addresses, where a pattern can tell them from prose: a street line built around a street
// word in English, French, German or Spanish ("221B Baker Street", "12 rue de la Paix",
// "Hauptstraße 5", "Calle Mayor 5"), extended over a following postcode and town when present
// ("…, 75002 Paris", "…, Springfield, IL 62704", "…, London SW1A 1AA"). A town, a postcode or a
// street name alone is not an address; see docs/guardrails-detectors.md for what is not covered.

import type { Finding } from './types.ts';

// Words are capped at 20 letters so the longest address (a French street line of six words and a
// two-word town, 184 characters) stays within maxAddressLength.
const name = String.raw`\p{Lu}[\p{L}'’-]{0,19}`;
const lowerWord = String.raw`[\p{L}'’-]{1,20}`;
const number = String.raw`\d{1,5}[A-Za-z]?`;
const englishStreet = String.raw`(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Close|Crescent|Parkway|Pkwy|Square|Sq|Highway|Hwy)\.?`;
const frenchStreet = String.raw`(?:rue|avenue|av\.|boulevard|bd|place|allée|chemin|impasse|quai|route|cours)`;
const spanishStreet = String.raw`(?:Calle|C\/|Avenida|Avda\.?|Plaza|Paseo|Camino|Carrer|Ronda|Travesía)`;
const germanStreet = String.raw`(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer)`;

const streetLines = [
  // 221B Baker Street · 1600 Pennsylvania Avenue NW
  String.raw`${number},? (?:${name} ){1,4}${englishStreet}(?: (?:NW|NE|SW|SE|N|S|E|W)\b)?`,
  // 12 rue de la Paix · 5 bis avenue Victor Hugo
  `${number}(?: (?:bis|ter))?,? (?i:${frenchStreet}) (?:${lowerWord} ){0,4}${name}`,
  // Calle Mayor 5 · Avenida de la Constitución, 12
  String.raw`${spanishStreet} (?:(?:de|del|la|las|los|el) ){0,3}(?:${name} ){0,3}${name},? (?:nº ?|n\.º ?)?\d{1,4}`,
  // Hauptstraße 5 · Berliner Allee 12a ("Unter den Linden 1", with no street word, is not covered)
  String.raw`(?:${name} )?\p{Lu}[\p{L}-]{0,40}${germanStreet} \d{1,4}[a-z]?`,
  String.raw`${name} (?:Allee|Straße|Strasse|Platz|Weg|Ring|Damm|Ufer|Gasse) \d{1,4}[a-z]?`,
];

// A town after the street: "75002 Paris", "Springfield, IL 62704", "London SW1A 1AA".
const town = String.raw`(?:\d{4,5} ${name}(?: ${name})?|${name}(?: ${name})?,? (?:[A-Z]{2} \d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2})|${name}(?: ${name})?)`;

const addressPattern = new RegExp(
  String.raw`(?<![\p{L}\d])(?:${streetLines.join('|')})(?:,? ${town})?(?![\p{L}\d])`,
  'gu',
);

/** Longest address the pattern can produce (street line and town), for stream hold-back. */
export const maxAddressLength = 200;

// The full pattern is costly to try at every position, so it only runs in a window around each
// street word; most text has none and costs one scan for the words.
const streetWord =
  /street|\b(?:st|ave|rd|blvd|ln|dr|ct|pl|sq|pkwy|hwy)\b|avenue|road|boulevard|lane|drive|court|place|way|terrace|close|crescent|parkway|square|highway|rue|av\.|\bbd\b|allée|chemin|impasse|quai|route|cours|calle|c\/|avenida|avda|plaza|paseo|camino|carrer|ronda|travesía|stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm|ufer/gi;
const before = 100;
const after = 110;

export function findAddresses(text: string): Finding[] {
  const findings: Finding[] = [];
  let windowStart = -1;
  let windowEnd = -1;
  const flush = () => {
    if (windowStart < 0) return;
    const slice = text.slice(windowStart, windowEnd);
    for (const match of slice.matchAll(addressPattern)) {
      const start = windowStart + match.index;
      const last = findings.at(-1);
      if (last && start < last.end) continue;
      findings.push({ entity: 'address', start, end: start + match[0].length });
    }
  };
  streetWord.lastIndex = 0;
  for (const word of text.matchAll(streetWord)) {
    // Widened to whole words, so a window never starts inside a house number or ends inside a town.
    const from = text.lastIndexOf(' ', Math.max(0, word.index - before)) + 1;
    const space = text.indexOf(' ', Math.min(text.length, word.index + word[0].length + after));
    const to = space < 0 ? text.length : space;
    if (windowStart >= 0 && from <= windowEnd) windowEnd = to;
    else {
      flush();
      windowStart = from;
      windowEnd = to;
    }
  }
  flush();
  return findings;
}
