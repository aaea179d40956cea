// Log lines derived from what the gateway already publishes, rather than logger calls in the
// request path: every finished request's record (the gateway's lifecycle) yields the access log line,
// failovers, upstream errors and shed requests; every audited admin change (`gatehouse:audit`)
// yields a config-change line.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Lifecycle, RequestEnded } from '../core/lifecycle/index.ts';
import type { AttemptRecord, RequestRecord } from '../core/records/index.ts';
import type { Logger } from './log.ts';

export interface AuditNotice {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
}

export interface EventLogOptions {
  /** One info line per answered request (server.access_log or GATEHOUSE_ACCESS_LOG). */
  accessLog: boolean;
  /** Repeats of the same warning (same kind, provider, code) within this window are summed into one line. */
  repeatWindowMs?: number;
}

/** Subscribes; the returned function unsubscribes (at shutdown). */
export function logGatewayEvents(lifecycle: Lifecycle, logger: Logger, options: EventLogOptions): () => void {
  const throttle = new RepeatThrottle(options.repeatWindowMs ?? 10_000);
  const onRequest = ({ record }: RequestEnded) => {
    if (options.accessLog && record.route !== '/healthz' && record.route !== '/readyz')
      logger.info(accessFields(record), accessMessage(record));
    if (record.errorCode === 'GH_INTERNAL')
      logger.error(
        { event: 'internal_error', request_id: record.requestId, route: record.route },
        `Internal error answering ${record.route} (request ${record.requestId}); the stack trace is on stderr`,
      );
    if (record.errorCode === 'GH_OVERLOADED') {
      throttle.run('shed', (repeats) =>
        logger.warn(
          { event: 'shed', request_id: record.requestId, route: record.route, ...repeated(repeats) },
          `Shed a request with 503: the gateway is overloaded${suffix(repeats)}`,
        ),
      );
    }
    for (const attempt of record.attempts) {
      if (attempt.status === 200 || attempt.errorCode === 'GH_CLIENT_CLOSED') continue;
      throttle.run(`upstream:${attempt.provider}:${attempt.errorCode}`, (repeats) =>
        logger.warn(
          {
            event: 'upstream_error',
            provider: attempt.provider,
            provider_model: attempt.model,
            status: attempt.status,
            code: attempt.errorCode,
            request_id: record.requestId,
            ...repeated(repeats),
          },
          `Upstream ${attempt.provider} failed with ${attempt.errorCode ?? attempt.status}${suffix(repeats)}`,
        ),
      );
    }
    if (new Set(record.attempts.map(targetName)).size > 1) {
      throttle.run(`failover:${record.model}:${record.attempts.map(targetName).join('>')}`, (repeats) =>
        logger.warn(
          {
            event: 'failover',
            model: record.model,
            request_id: record.requestId,
            attempts: record.attempts.map(attemptText),
            ...repeated(repeats),
          },
          `Failover for ${record.model}: ${record.attempts.map(attemptText).join(' -> ')}${suffix(repeats)}`,
        ),
      );
    }
  };
  const onAudit = (message: unknown) => {
    const change = message as AuditNotice;
    logger.info(
      {
        event: 'config_change',
        actor: change.actor,
        action: change.action,
        target_type: change.targetType,
        target_id: change.targetId,
      },
      `Changed: ${change.action} ${change.targetType} ${change.targetId}`,
    );
  };
  const unsubscribeRequests = lifecycle.subscribe({ requestEnded: onRequest });
  subscribe('gatehouse:audit', onAudit);
  return () => {
    unsubscribeRequests();
    unsubscribe('gatehouse:audit', onAudit);
  };
}

const targetName = (attempt: AttemptRecord) => `${attempt.provider}/${attempt.model}`;
const attemptText = (attempt: AttemptRecord) =>
  `${targetName(attempt)} ${attempt.status}${attempt.errorCode ? ` ${attempt.errorCode}` : ''}`;
const repeated = (repeats: number) => (repeats > 0 ? { repeats } : {});
const suffix = (repeats: number) => (repeats > 0 ? ` (and ${repeats} more like it since the last line)` : '');

function accessMessage(record: RequestRecord): string {
  const ms = Math.round(record.durationMs ?? 0);
  const model = record.model ? ` ${record.model}` : '';
  const via = record.provider ? ` via ${record.provider}` : '';
  return `${record.route} ${record.status}${model}${via} ${ms}ms`;
}

function accessFields(record: RequestRecord): Record<string, unknown> {
  return {
    event: 'access',
    request_id: record.requestId,
    route: record.route,
    status: record.status,
    duration_ms: Math.round(record.durationMs ?? 0),
    model: record.model,
    provider: record.provider,
    provider_model: record.providerModel,
    attempts: record.attempts.length || undefined,
    stream: record.stream,
    code: record.errorCode,
    key_id: record.keyId,
    team_id: record.teamId,
    input_tokens: record.usage?.inputTokens,
    output_tokens: record.usage?.outputTokens,
  };
}

/**
 * A failing upstream fails every request: the first occurrence is logged at once, later ones
 * within the window are counted and reported with the next line after it.
 */
class RepeatThrottle {
  readonly #windowMs: number;
  readonly #seen = new Map<string, { at: number; repeats: number }>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  run(key: string, emit: (repeats: number) => void): void {
    const now = Date.now();
    const seen = this.#seen.get(key);
    if (seen && now - seen.at < this.#windowMs) {
      seen.repeats++;
      return;
    }
    emit(seen?.repeats ?? 0);
    if (this.#seen.size > 1_000) this.#seen.clear();
    this.#seen.set(key, { at: now, repeats: 0 });
  }
}
