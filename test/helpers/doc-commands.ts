// Finds every `gatehouse …` command a reader of README.md and docs/ is told to type: lines of code
// blocks and inline code spans, as `gatehouse …`, `npx gatehouse …` or `npm run gatehouse -- …`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DocCommand {
  file: string;
  line: number;
  /** As written, for messages. */
  text: string;
  /** The arguments after `gatehouse`, shell quoting undone. */
  args: string[];
}

const prefix = /^(?:npx\s+gatehouse|npm\s+run\s+gatehouse\s+--|gatehouse)(?=\s|$)/;

/**
 * Shell words: quotes removed; a `#` that starts a word ends the line, as does a `|` (what the
 * output is piped to is not gatehouse's); a redirection (`> file`, `< file`) is dropped.
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let redirected = false;
  const end = () => {
    if (word !== undefined && !redirected) words.push(word);
    else if (word !== undefined) redirected = false;
    word = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (word === undefined && (c === '>' || c === '<')) {
      redirected = true;
      continue;
    }
    if (c === '|' && word === undefined) break;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced ${c} in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) end();
    else if (c === '#' && word === undefined) break;
    else word = (word ?? '') + c;
  }
  end();
  return words;
}

function command(file: string, line: number, text: string): DocCommand | undefined {
  // `printenv KEY | gatehouse secrets set NAME`: the gatehouse command is the pipe's end.
  const piped = /\|\s*((?:npx\s+|npm\s+run\s+)?gatehouse(?:\s.*)?)$/.exec(text);
  if (piped) text = piped[1]!;
  const match = prefix.exec(text.trim());
  // `gatehouse …` in prose speaks of the command in general; there is nothing to run.
  if (!match || text.includes('…')) return undefined;
  return { file, line, text: text.trim(), args: shellWords(text.trim().slice(match[0].length)) };
}

export function docCommands(file: string, markdown: string): DocCommand[] {
  const found: DocCommand[] = [];
  const lines = markdown.split('\n');
  let fence: string | undefined;
  let transcript = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const opening = /^\s*(```+|~~~+)\s*(\S*)/.exec(line);
    if (opening) {
      if (fence === undefined) {
        fence = opening[1];
        transcript = opening[2] === 'text';
      } else if (line.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    // A ```text block is a transcript (it may show a mistake and its message on purpose): not run.
    if (fence !== undefined && transcript) continue;
    if (fence !== undefined) {
      let text = line;
      const start = i;
      while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i]!.trim()}`;
      const found1 = command(file, start + 1, text.replace(/^\s*\$\s+/, ''));
      if (found1) found.push(found1);
      continue;
    }
    // Inline, a bare `gatehouse` is the product's name (a metric's service name, say), not a command.
    for (const span of line.matchAll(/`([^`]+)`/g)) {
      const found1 = command(file, i + 1, span[1]!);
      if (found1 && found1.args.length > 0) found.push(found1);
    }
  }
  return found;
}

/** README.md and every page of docs/, relative to the repository root. */
export function documentedCommands(root: string): DocCommand[] {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  return files.flatMap((file) => docCommands(file, readFileSync(join(root, file), 'utf8')));
}
