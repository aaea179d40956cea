// The gateway's own log (not the request log): pino, writing JSON lines for log shippers, or one
// short readable line per entry when a person watches a terminal. Provider code never imports it:
// what happens to requests reaches it through diagnostics channels (see log-events.ts).
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };
export type LogFormat = 'json' | 'pretty';

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LogOptions {
  /** GATEHOUSE_LOG_LEVEL (default info). */
  level?: LogLevel;
  /** GATEHOUSE_LOG_FORMAT; by default pretty when stdout is a terminal, JSON lines otherwise. */
  format?: LogFormat;
  /** Where finished lines go (default stdout, written synchronously so none is lost at exit). */
  write?: (line: string) => void;
  /** ANSI colours for the level in pretty lines (default: when stdout is a terminal). */
  color?: boolean;
}

/** Reads a level or a format from the environment; a wrong value is a start-up error, not a guess. */
export function parseLogLevel(text: string | undefined): LogLevel {
  const level = (text ?? '').trim().toLowerCase();
  if (level === '') return 'info';
  if ((logLevels as readonly string[]).includes(level)) return level as LogLevel;
  throw new Error(`GATEHOUSE_LOG_LEVEL must be one of ${logLevels.join(', ')}; it was "${text}".`);
}

export function parseLogFormat(text: string | undefined, isTerminal: boolean): LogFormat {
  const format = (text ?? '').trim().toLowerCase();
  if (format === '') return isTerminal ? 'pretty' : 'json';
  if (format === 'json' || format === 'pretty') return format;
  throw new Error(`GATEHOUSE_LOG_FORMAT must be json or pretty; it was "${text}".`);
}

export function createLogger(options: LogOptions = {}): Logger {
  const terminal = process.stdout.isTTY === true;
  const format = options.format ?? (terminal ? 'pretty' : 'json');
  const write = options.write;
  let destination: DestinationStream;
  if (format === 'pretty') {
    const color = options.color ?? (terminal && write === undefined);
    const out = write ?? ((line: string) => process.stdout.write(line));
    destination = { write: (json: string) => out(`${prettyLine(json, color)}\n`) };
  } else {
    destination = write
      ? { write: (json: string) => write(json) }
      : pino.destination({ dest: 1, sync: true });
  }
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'gatehouse' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * Adapts the gateway's older `log(line)` callbacks (tests collect them) to a logger: each entry
 * becomes one readable line, level first when it is not plain information.
 */
export function loggerFromLines(log: (line: string) => void, level: LogLevel = 'debug'): Logger {
  return createLogger({
    level,
    format: 'pretty',
    color: false,
    write: (line) =>
      log(
        line
          .replace(/^\d\d:\d\d:\d\d\.\d{3} /, '')
          .replace(/^INFO {2}/, '')
          .trimEnd(),
      ),
  });
}

const levelColors: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[90m',
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[41m',
};
// `event` names the line for machines; in a terminal the message says it.
const hiddenFields = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'event']);

/** `12:04:31.207 WARN  message key=value`: fields whose value the message already says are left out. */
export function prettyLine(json: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = String(entry.level ?? 'info');
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const message = String(entry.msg ?? '');
  const lower = message.toLowerCase();
  const fields: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (hiddenFields.has(key) || value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const said = (item: unknown) => lower.includes(String(item).toLowerCase());
    if (text !== '' && said(text)) continue;
    if (Array.isArray(value) && value.every(said)) continue;
    fields.push(`${key}=${/[\s"=]/.test(text) ? JSON.stringify(text) : text}`);
  }
  const label = level.toUpperCase().padEnd(5);
  const shown = color ? `${levelColors[level] ?? ''}${label}\x1b[0m` : label;
  return [time, shown, message, ...fields].filter((part) => part !== '').join(' ');
}
