// Case- and accent-insensitive matching with offsets that still point into the original text:
// the text is folded (NFD, combining marks dropped, lower case) and each folded position
// remembers where its character started. ASCII is folded in bulk (lower-casing keeps its length),
// so only the non-ASCII characters of a text pay for the walk.

export interface Folded {
  text: string;
  /**
   * origin[i] is the offset in the original text of folded character i, origin[text.length] its
   * length; null when folding kept every offset (ASCII-only text).
   */
  origin: Uint32Array | null;
}

const combiningMark = /\p{M}/u;
const nonAscii = /[^\x00-\x7f]/g;

export function fold(text: string): Folded {
  nonAscii.lastIndex = 0;
  if (!nonAscii.test(text)) return { text: text.toLowerCase(), origin: null };
  const parts: string[] = [];
  const origin: number[] = [];
  let at = 0;
  nonAscii.lastIndex = 0;
  for (const match of text.matchAll(nonAscii)) {
    const i = match.index;
    if (i < at) continue; // the low half of a surrogate pair already taken
    if (i > at) {
      parts.push(text.slice(at, i).toLowerCase());
      for (let k = at; k < i; k++) origin.push(k);
    }
    const code = text.codePointAt(i)!;
    const size = code > 0xffff ? 2 : 1;
    let folded = '';
    for (const part of text.slice(i, i + size).normalize('NFD')) {
      if (!combiningMark.test(part)) folded += part.toLowerCase();
    }
    parts.push(folded);
    for (let k = 0; k < folded.length; k++) origin.push(i);
    at = i + size;
  }
  if (at < text.length) {
    parts.push(text.slice(at).toLowerCase());
    for (let k = at; k < text.length; k++) origin.push(k);
  }
  origin.push(text.length);
  return { text: parts.join(''), origin: Uint32Array.from(origin) };
}

/** Folds a word or a pattern's literal text the same way (marks dropped, case kept for patterns). */
export const stripMarks = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '');

/** The original span of folded [start, end): it ends where the next original character begins. */
export function originalSpan(folded: Folded, start: number, end: number): { start: number; end: number } {
  const origin = folded.origin;
  if (origin === null) return { start, end };
  const from = origin[start]!;
  let to = origin[end]!;
  // A folded character that expanded from one original character maps several positions to it.
  if (end > 0 && origin[end - 1] === to) to = origin[end - 1]! + 1;
  return { start: from, end: to };
}
