// The CLI's commands are declared once (name, arguments, flags with their help) so that parsing,
// `--help` at every level and "did you mean" suggestions all come from the same definition.
import { type ParseArgsConfig, parseArgs } from 'node:util';

export type Values = Record<string, string | boolean | undefined>;

/** A command with a hand-written usage text (`start`): parsed strictly, help printed as written. */
export interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the process exit code. */
  run(values: Values, positionals: string[]): Promise<number>;
}

export interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in help, e.g. `NAME`. */
  value?: string;
  help: string;
}
export type Flags = Record<string, Flag>;

/** A leaf: `gatehouse keys create`, or a top-level one such as `gatehouse usage`. */
export interface Action {
  name: string;
  summary: string;
  /** Positional arguments; `[FILE]` is optional, anything else required. */
  args?: string[];
  flags?: Flags;
  /** Flag sections shared by many actions (connection, output), shown after the action's own. */
  sections?: Array<{ title: string; flags: Flags }>;
  /** Flags that must be given. */
  required?: string[];
  details?: string;
  run(values: Values, args: string[]): Promise<number>;
}

export interface Group {
  name: string;
  summary: string;
  details?: string;
  actions: Action[];
}

/** A usage mistake: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The nearest candidate, if it is near enough to be what was meant (or begins with what was typed). */
export function nearest(typed: string, candidates: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = name.startsWith(typed) && typed.length >= 2 ? 0.5 : editDistance(typed, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(typed.length / 3)) ? best.name : undefined;
}

export function unknown(kind: string, typed: string, candidates: string[], helpCommand: string): UsageError {
  const guess = nearest(typed, candidates);
  return new UsageError(
    `unknown ${kind} "${typed}".${guess ? ` Did you mean "${guess}"?` : ''} ` +
      `Run "${helpCommand} --help" to see them all.`,
  );
}

const pad = (text: string, width: number) => text.padEnd(width);

const flagLeft = ([name, f]: [string, Flag]) =>
  `${f.short ? `-${f.short}, ` : '    '}--${name}${f.value ? ` ${f.value}` : ''}`;

function flagLines(flags: Flags, width: number): string[] {
  return Object.entries(flags).map((entry) => `  ${pad(flagLeft(entry), width)}${entry[1].help}`);
}

export function actionUsageLine(path: string, action: Action): string {
  const required = (action.required ?? []).map((name) =>
    `--${name} ${action.flags?.[name]?.value ?? ''}`.trim(),
  );
  const hasOptional = Object.keys(action.flags ?? {}).length > (action.required ?? []).length;
  return [`gatehouse ${path}`, ...(action.args ?? []), ...required, hasOptional ? '[options]' : '']
    .filter(Boolean)
    .join(' ');
}

export function actionHelp(path: string, action: Action): string {
  const parts = [`Usage: ${actionUsageLine(path, action)}`, '', action.summary];
  if (action.details) parts.push('', action.details);
  const sections = [
    ...(action.flags && Object.keys(action.flags).length > 0
      ? [{ title: 'Options', flags: action.flags }]
      : []),
    ...(action.sections ?? []),
  ];
  const width =
    Math.max(10, ...sections.flatMap((s) => Object.entries(s.flags).map((e) => flagLeft(e).length))) + 2;
  for (const section of sections) parts.push('', `${section.title}:`, ...flagLines(section.flags, width));
  parts.push('', `  ${pad('-h, --help', width)}show this help`);
  return parts.join('\n');
}

export function groupHelp(group: Group): string {
  const width = Math.max(...group.actions.map((a) => `${a.name} ${(a.args ?? []).join(' ')}`.length)) + 3;
  return [
    `Usage: gatehouse ${group.name} <subcommand> [options]`,
    '',
    group.summary,
    ...(group.details ? ['', group.details] : []),
    '',
    'Subcommands:',
    ...group.actions.map((a) => `  ${pad(`${a.name} ${(a.args ?? []).join(' ')}`, width)}${a.summary}`),
    '',
    `Run "gatehouse ${group.name} <subcommand> --help" for its options.`,
  ].join('\n');
}

function allFlags(action: Action): Flags {
  return Object.assign({}, action.flags, ...(action.sections ?? []).map((s) => s.flags));
}

/** node:util's parse errors, said for a person: the flag, and the nearest one when it is unknown. */
function parseError(err: unknown, path: string, flags: Partial<Flags>): UsageError {
  // "Unknown option '--prot'", "Option '-p, --port <value>' argument missing": the long name.
  const option = /'(?:-[^-'\s], )?(-{1,2}[^'\s,]+)/.exec((err as Error).message)?.[1];
  const code = (err as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option)
    return unknown(
      'option',
      option,
      Object.keys(flags).map((name) => `--${name}`),
      `gatehouse ${path}`,
    );
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    const flag = flags[option.replace(/^-+/, '')];
    return new UsageError(
      flag?.type === 'boolean'
        ? `${option} takes no value.`
        : `${option} needs a value${flag?.value ? ` (${flag.value})` : ''}.`,
    );
  }
  return new UsageError((err as Error).message);
}

/** Parses the arguments against the action's declaration; `--help` prints its help. */
export async function runAction(path: string, action: Action, argv: string[]): Promise<number> {
  const flags = allFlags(action);
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, flag] of Object.entries(flags))
    options[name] = flag.short ? { type: flag.type, short: flag.short } : { type: flag.type };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw parseError(err, path, flags);
  }
  if (parsed.values.help) {
    console.log(actionHelp(path, action));
    return 0;
  }
  const specs = action.args ?? [];
  const needed = specs.filter((a) => !a.startsWith('['));
  if (parsed.positionals.length < needed.length)
    throw new UsageError(`missing ${needed.slice(parsed.positionals.length).join(' ')}.`);
  if (parsed.positionals.length > specs.length)
    throw new UsageError(
      `unexpected argument "${parsed.positionals[specs.length]}"${specs.length === 0 ? ` (gatehouse ${path} takes none)` : ''}.`,
    );
  const missing = (action.required ?? []).filter((name) => parsed.values[name] === undefined);
  if (missing.length > 0)
    throw new UsageError(
      `${missing.map((name) => `--${name}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required.`,
    );
  return action.run(parsed.values, parsed.positionals);
}

/** A hand-written command (see {@link Command}), named `path` on the command line. */
export async function runCommand(path: string, command: Command, args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const flags = Object.fromEntries(
      Object.entries(command.options).map(([name, o]) => [name, { type: o.type, help: '' }]),
    );
    throw parseError(err, path, flags);
  }
  if (parsed.values.help) {
    console.log(command.usage);
    return 0;
  }
  return command.run(parsed.values as Values, parsed.positionals);
}
