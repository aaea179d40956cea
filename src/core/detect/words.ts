// Deny lists and custom patterns, matched case- and accent-insensitively: "Proyecto Águila" in the
// list catches "proyecto aguila" and "PROYECTO ÁGUILA". Matching runs on the folded text and spans
// are mapped back to the original.

import { fold, originalSpan, stripMarks } from './normalize.ts';
import type { Detector, Finding } from './types.ts';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

export function denyListDetector(options: { words: string[] }): Detector {
  const words = options.words.map((w) => stripMarks(w).toLowerCase().trim()).filter((w) => w !== '');
  if (words.length === 0) throw new Error('deny_list needs at least one non-empty word');
  // Longest first, so "acme corp" wins over "acme" at the same place.
  const alternatives = [...new Set(words)]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.split(/\s+/).map(escapeRegex).join('\\s+'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'gu');
  const longest = Math.max(...words.map((w) => w.length));
  return {
    type: 'deny_list',
    // Decomposed accents and runs of whitespace make the original text longer than the folded word.
    maxMatchLength: longest * 3 + 16,
    scan: (text) => matchFolded(text, pattern, () => 'deny_list'),
  };
}

export interface NamedPattern {
  name: string;
  pattern: string;
  flags?: string;
}

/** Spans longer than this are not held back for in streams; documented in guardrails-detectors.md. */
export const maxRegexMatchLength = 1024;

export function regexDetector(options: { patterns: NamedPattern[] }): Detector {
  if (options.patterns.length === 0) throw new Error('regex needs at least one pattern');
  const compiled = options.patterns.map(({ name, pattern, flags = '' }) => {
    const extra = [...new Set(flags.replace(/[gyid]/g, ''))].join('');
    try {
      // Accents are dropped from the pattern as from the text; `i` makes it case-insensitive.
      return { name, regex: new RegExp(stripMarks(pattern), `gi${extra}`) };
    } catch (error) {
      throw new Error(`regex "${name}": ${(error as Error).message}`);
    }
  });
  return {
    type: 'regex',
    maxMatchLength: maxRegexMatchLength,
    scan(text) {
      const all: Finding[] = [];
      for (const { name, regex } of compiled) all.push(...matchFolded(text, regex, () => `regex:${name}`));
      return dropOverlaps(all);
    },
  };
}

function matchFolded(text: string, pattern: RegExp, entity: () => string): Finding[] {
  const folded = fold(text);
  const findings: Finding[] = [];
  pattern.lastIndex = 0;
  for (const match of folded.text.matchAll(pattern)) {
    if (match[0].length === 0) continue;
    const span = originalSpan(folded, match.index, match.index + match[0].length);
    findings.push({ entity: entity(), ...span });
  }
  return findings;
}

/** Findings in order; of two that overlap, the one that starts first (or is longer) is kept. */
export function dropOverlaps(findings: Finding[]): Finding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  for (const f of sorted) if (out.length === 0 || f.start >= out.at(-1)!.end) out.push(f);
  return out;
}
