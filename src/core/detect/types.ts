// The shapes every detector shares. Kept apart from index.ts so detector files can import them
// without importing each other.

/** One match: what it is and where, as UTF-16 offsets into the scanned text. */
export interface Finding {
  /** `email`, `card`, `openai_key`, `prompt_injection`, `deny_list`, `regex:<name>`… */
  entity: string;
  start: number;
  end: number;
  /** 0..1, for detectors that grade (prompt injection). */
  score?: number;
}

export interface Detector {
  readonly type: string;
  /** Findings in order of `start`; a detector's own findings never overlap. */
  scan(text: string): Finding[];
  /** The longest text one match can span, so a stream redactor knows how much to hold back. */
  readonly maxMatchLength: number;
}

/** A candidate pattern and the check that turns its match into findings (or none). */
export interface Candidate {
  name: string;
  /** The entities this candidate can produce, so a detector limited to others skips it. */
  entities: readonly string[];
  pattern: RegExp;
  /** A cheap test that text without it cannot match (an `@` for emails): skipped candidates cost nothing. */
  needs?: (text: string) => boolean;
  accept: (
    match: string,
    start: number,
    groups: Record<string, string | undefined>,
    text: string,
  ) => Finding[];
}

/** One regex with a named group per candidate: the text is scanned once, whatever the count. */
export function scanCandidates(text: string, candidates: readonly Candidate[], combined: RegExp): Finding[] {
  const findings: Finding[] = [];
  combined.lastIndex = 0;
  for (const match of text.matchAll(combined)) {
    const groups = match.groups!;
    const candidate = candidates.find((c) => groups[c.name] !== undefined)!;
    for (const finding of candidate.accept(match[0], match.index, groups, text)) findings.push(finding);
  }
  return findings;
}

export function combine(candidates: readonly Candidate[], flags = 'g'): RegExp {
  return new RegExp(candidates.map((c) => `(?<${c.name}>${c.pattern.source})`).join('|'), flags);
}

/**
 * The candidates a text can match, with their combined regex. One regex per subset is compiled
 * once and kept (at most 2^candidates, in practice a handful).
 */
export function candidatesFor(
  text: string,
  candidates: readonly Candidate[],
  cache: Map<number, RegExp>,
): { chosen: Candidate[]; combined: RegExp } | null {
  let mask = 0;
  const chosen: Candidate[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (c.needs && !c.needs(text)) continue;
    mask |= 1 << i;
    chosen.push(c);
  }
  if (chosen.length === 0) return null;
  let combined = cache.get(mask);
  if (!combined) {
    combined = combine(chosen);
    cache.set(mask, combined);
  }
  return { chosen, combined };
}

export const whole =
  (entity: string, valid: (match: string) => boolean = () => true) =>
  (match: string, start: number): Finding[] =>
    valid(match) ? [{ entity, start, end: start + match.length }] : [];

/** The value is the tail of the match, so its span follows from its length. */
export const tail = (entity: string, value: string | undefined, match: string, start: number): Finding[] =>
  value ? [{ entity, start: start + match.length - value.length, end: start + match.length }] : [];
