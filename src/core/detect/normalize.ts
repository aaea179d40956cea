// Case- and accent-insensitive matching with offsets that still point into the original text:
// the text is folded (NFD, combining marks dropped, lower case) one character at a time, and each
// folded position remembers where its character started.

export interface Folded {
  text: string;
  /** origin[i] is the offset in the original text of folded character i; origin[text.length] is its length. */
  origin: Uint32Array;
}

const combiningMark = /\p{M}/u;
const asciiFoldable = /[A-Z\u0080-\uffff]/;

export function fold(text: string): Folded {
  // Most prompts are plain lower-case ASCII apart from capitals: fold those without the per-character walk.
  if (!asciiFoldable.test(text)) return { text, origin: identity(text.length) };
  let out = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i)!;
    const size = code > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + size);
    let folded: string;
    if (code < 0x80) folded = code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch;
    else {
      folded = '';
      for (const part of ch.normalize('NFD')) if (!combiningMark.test(part)) folded += part.toLowerCase();
    }
    for (let k = 0; k < folded.length; k++) origin.push(i);
    out += folded;
    i += size;
  }
  origin.push(text.length);
  return { text: out, origin: Uint32Array.from(origin) };
}

function identity(length: number): Uint32Array {
  const origin = new Uint32Array(length + 1);
  for (let i = 0; i <= length; i++) origin[i] = i;
  return origin;
}

/** Folds a word or a pattern's literal text the same way (marks dropped, case kept for patterns). */
export const stripMarks = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '');

/** The original span of folded [start, end): it ends where the next original character begins. */
export function originalSpan(folded: Folded, start: number, end: number): { start: number; end: number } {
  const from = folded.origin[start]!;
  let to = folded.origin[end]!;
  // A folded character that expanded from one original character maps several positions to it.
  if (end > 0 && folded.origin[end - 1] === to) to = folded.origin[end - 1]! + 1;
  return { start: from, end: to };
}
