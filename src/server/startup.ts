// What start-up says to a person: each dependency named without its credentials, and every way
// start-up can fail turned into one sentence that says what to do (the cause stays attached for
// `gatehouse start --debug`).

/** A start-up failure whose message is meant for the person starting the gateway. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  /** The process exit code: 1 for the environment (ports, services), 2 for a usage mistake. */
  readonly exitCode: number;
  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}

/** `SQLite .gatehouse/gatehouse.db` or `PostgreSQL db.internal:5432/gatehouse`: never a password. */
export function describeStore(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length) || ':memory:';
    return file === ':memory:' ? 'SQLite in memory (nothing is kept after exit)' : `SQLite ${file}`;
  }
  const where = serviceAddress(databaseUrl, 5432);
  return where ? `PostgreSQL ${where}` : 'PostgreSQL';
}

/** `redis.internal:6379` (with the database number when one is chosen): never a password. */
export function describeRedis(redisUrl: string): string {
  return `Redis ${serviceAddress(redisUrl, 6379) ?? '(unparsable URL)'}`;
}

function serviceAddress(url: string, defaultPort: number): string | undefined {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname.replace(/^\//, '');
    return `${parsed.hostname}:${parsed.port || defaultPort}${path ? `/${decodeURIComponent(path)}` : ''}`;
  } catch {
    return undefined;
  }
}

/** A person's account of a failed `listen`. */
export function listenFailure(err: unknown, host: string, port: number): StartupError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const message =
    code === 'EADDRINUSE'
      ? `Port ${port} on ${host} is already in use (another gatehouse still running?); stop it or choose another port with --port or GATEHOUSE_PORT.`
      : code === 'EACCES'
        ? `Not allowed to listen on ${where}: ports below 1024 need extra privileges; choose a port from 1024 up with --port.`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `Cannot listen on ${host}: it is not an address of this machine; check --host or GATEHOUSE_HOST.`
          : `Cannot listen on ${where}: ${(err as Error).message}.`;
  return new StartupError(message, { cause: err });
}

/** Runs one start-up step; a failure becomes a StartupError naming the step's subject. */
export async function startupStep<T>(subject: string, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(subject ? `${subject}: ${reason(err)}` : reason(err), { cause: err });
  }
}

/** The shortest true account of a connection or I/O failure. */
function reason(err: unknown): string {
  let error = err as NodeJS.ErrnoException & { errors?: unknown[] };
  // Wrapped errors (a failed migration) carry the connection error as their cause.
  while (error.cause instanceof Error && !error.code) error = error.cause as typeof error;
  // Node reports a failed connection to a name with several addresses as an AggregateError.
  const inner = (error.errors?.[0] as NodeJS.ErrnoException | undefined) ?? error;
  const code = inner.code ?? error.code;
  if (code === 'ECONNREFUSED') return 'the connection was refused (is it running, and on that port?).';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve.';
  if (code === 'ETIMEDOUT') return 'no answer in time.';
  const message = (inner.message || error.message || String(err)).replace(/\.$/, '');
  return `${message}.`;
}

/**
 * Opens and closes one TCP connection to a service's URL: a client library that retries in the
 * background would otherwise report an unreachable service only as noise before its own error.
 */
export async function probeService(url: string, defaultPort: number, timeoutMs = 5_000): Promise<void> {
  const { connect } = await import('node:net');
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port: Number(parsed.port || defaultPort), timeout: timeoutMs });
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' }));
    });
    socket.once('error', reject);
  });
}
