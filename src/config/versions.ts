// What a configuration version is made of, apart from any store: its hash (the name a replica
// reports), its text with secrets masked (what the admin API shows), and a readable line diff from
// the version before it.
import { createHash } from 'node:crypto';

/** The first 12 hex digits of the SHA-256 of the text: short enough to read, long enough to be unique. */
export function configHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

// A value under one of these keys is a credential. `${ENV}` and `secret:NAME` references are not
// secrets (they name where the value lives) and are shown as written.
const secretName = String.raw`[\w-]*(?:api[_-]?key|secret|password|token|access[_-]?key|private[_-]?key|authorization)[\w-]*`;
const secretKey = new RegExp(
  String.raw`^(\s*(?:-\s+)?["']?)(${secretName})(["']?\s*:\s*)(.+?)(\s*,?\s*)$`,
  'i',
);
const secretPair = new RegExp(
  String.raw`(["']?${secretName}["']?\s*:\s*)("[^"]*"|'[^']*'|\$\{[^}]*\}|[^,}\]\s](?:[^,}\]]*[^,}\]\s])?)`,
  'gi',
);
const reference = /^["']?(\$\{[^}]+\}|secret:[\w.-]+)["']?$/;

/**
 * The text with the values of secret-looking keys replaced by `***`, line by line, so that the
 * masked text keeps the author's layout and comments and diffs stay readable. Inline flow maps
 * (`{ type: openai, api_key: sk-… }`) are masked too.
 */
export function maskConfigText(text: string): string {
  // Inside a block scalar (`api_key: |` and its more-indented lines) every line is the secret.
  let blockIndent = -1;
  return text
    .split('\n')
    .map((line) => {
      const indent = /^\s*/.exec(line)![0].length;
      if (blockIndent >= 0) {
        if (line.trim() === '') return line;
        if (indent > blockIndent) return `${' '.repeat(indent)}***`;
        blockIndent = -1;
      }
      const whole = secretKey.exec(line);
      if (whole && !whole[4]!.startsWith('{') && !whole[4]!.startsWith('[')) {
        const value = whole[4]!.replace(/\s+#.*$/, '');
        if (/^[|>][-+]?\d*$/.test(value)) {
          blockIndent = indent;
          return line;
        }
        return reference.test(value)
          ? line
          : `${whole[1]}${whole[2]}${whole[3]}${quoteLike(value)}${whole[5]}`;
      }
      // Flow mappings and JSON objects on one line: mask each `secret: value` pair inside.
      return line.replace(secretPair, (match, key: string, value: string) =>
        reference.test(value) ? match : `${key}${quoteLike(value)}`,
      );
    })
    .join('\n');
}

function quoteLike(value: string): string {
  return value.startsWith('"') ? '"***"' : value.startsWith("'") ? "'***'" : '***';
}

/**
 * A unified-style line diff (`-` removed, `+` added, two lines of context, `@@` between hunks) of
 * two texts; empty when they are the same. Longest common subsequence: configuration files are
 * small enough for its quadratic table.
 */
export function configDiff(before: string, after: string, context = 2): string {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > 4_000_000) return `(the files are too large to compare line by line)`;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const lcs = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * cols + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * cols + j + 1]! + 1
          : Math.max(lcs[(i + 1) * cols + j]!, lcs[i * cols + j + 1]!);
  const ops: Array<{ kind: ' ' | '-' | '+'; line: string }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[(i + 1) * cols + j]! >= lcs[i * cols + j + 1]!)) {
      ops.push({ kind: '-', line: a[i]! });
      i++;
    } else {
      ops.push({ kind: '+', line: b[j]! });
      j++;
    }
  }
  const changed = ops.map((op) => op.kind !== ' ');
  if (!changed.includes(true)) return '';
  const shown = ops.map((_, k) => changed.slice(Math.max(0, k - context), k + context + 1).some(Boolean));
  const out: string[] = [];
  ops.forEach((op, k) => {
    if (!shown[k]) return;
    if (k > 0 && !shown[k - 1] && out.length > 0) out.push('@@');
    out.push(`${op.kind} ${op.line}`.trimEnd());
  });
  return out.join('\n');
}
