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

const combiningMark = /\p{M}/gu;
const nonAscii = /[^\x00-\x7f]/;
const utf16 = new TextDecoder('utf-16le');

/** Folded form of one BMP character, remembered per character (a prompt uses few distinct ones). */
const foldedChars = new Map<number, string>();

function foldChar(code: number): string {
  let folded = foldedChars.get(code);
  if (folded === undefined) {
    folded = String.fromCharCode(code).normalize('NFD').replace(combiningMark, '').toLowerCase();
    if (foldedChars.size < 8192) foldedChars.set(code, folded);
  }
  return folded;
}

/**
 * One pass over the UTF-16 code units into a buffer. Offsets are recorded only once some character
 * folds to a different length (an accent written as a combining mark, a Hangul syllable): until
 * then folded and original positions are the same.
 */
export function fold(text: string): Folded {
  if (!nonAscii.test(text)) return { text: text.toLowerCase(), origin: null };
  let out = new Uint16Array(text.length + 16);
  let origin: Uint32Array | null = null;
  let j = 0;
  const ensure = (extra: number) => {
    if (j + extra <= out.length) return;
    const bigger = new Uint16Array((out.length + extra) * 2);
    bigger.set(out);
    out = bigger;
    if (origin) {
      const wider = new Uint32Array(bigger.length + 1);
      wider.set(origin);
      origin = wider;
    }
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      ensure(1);
      if (origin) origin[j] = i;
      out[j++] = code >= 65 && code <= 90 ? code + 32 : code;
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      // Astral characters (emoji, most of them) are kept as they are.
      ensure(1);
      if (origin) origin[j] = code <= 0xdbff ? i : i - 1;
      out[j++] = code;
      continue;
    }
    const folded = foldChar(code);
    if (folded.length !== 1 && origin === null) {
      origin = new Uint32Array(out.length + 1);
      for (let k = 0; k < j; k++) origin[k] = k;
    }
    ensure(folded.length);
    for (let k = 0; k < folded.length; k++) {
      if (origin) origin[j] = i;
      out[j++] = folded.charCodeAt(k);
    }
  }
  const folded = utf16.decode(out.subarray(0, j));
  if (origin === null) return { text: folded, origin: null };
  const exact = origin.slice(0, j + 1);
  exact[j] = text.length;
  return { text: folded, origin: exact };
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
