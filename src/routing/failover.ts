// Tries a request's targets in order. A retryable failure is retried on the same target (with
// exponential backoff and jitter, honouring Retry-After) up to the target's retries, then moves on
// to the next target; a non-retryable failure is returned at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { GatehouseError, asGatehouseError } from '../core/errors/index.ts';
import type { Lifecycle } from '../core/lifecycle/index.ts';
import type { AttemptRecord, RequestRecord } from '../core/records/index.ts';
import type { CallOptions } from '../providers/types.ts';
import type { Target } from './targets.ts';

export type { AttemptRecord } from '../core/records/index.ts';

export interface FailoverSettings {
  maxRetryWaitMs: number;
  backoffBaseMs: number;
}

export interface FailoverInput {
  requestId: string;
  /** Aborted when the caller leaves; the reason is a GatehouseError (GH_CLIENT_CLOSED). */
  signal: AbortSignal;
  headers?: Record<string, string>;
  attempts: AttemptRecord[];
  /** Where each attempt's start and end are published, with the request's record. */
  lifecycle?: Lifecycle;
  record?: RequestRecord;
}

export interface Served<T> {
  value: T;
  target: Target;
  /** Ends the attempt's timers; call when the answer has been fully consumed (streams) or at once. */
  release(): void;
}

export async function runWithFailover<T>(
  targets: readonly Target[],
  input: FailoverInput,
  settings: FailoverSettings,
  attempt: (target: Target, opts: CallOptions) => Promise<T>,
): Promise<Served<T>> {
  let lastError: GatehouseError | undefined;
  for (const target of targets) {
    for (let retry = 0; retry <= target.retries; retry++) {
      if (input.signal.aborted) throw asGatehouseError(input.signal.reason);
      const started = performance.now();
      const { opts, release } = attemptOptions(target, input);
      const lifecycle = input.lifecycle;
      const event =
        input.record &&
        lifecycle?.attemptStarted(input.record, target.providerName, target.providerType, target.model);
      // Subscribers may add headers (a trace's traceparent) for this attempt only.
      if (event && Object.keys(event.headers).length > 0)
        opts.headers = { ...opts.headers, ...event.headers };
      try {
        const value = await attempt(target, opts);
        const served: AttemptRecord = {
          provider: target.providerName,
          model: target.model,
          status: 200,
          latencyMs: performance.now() - started,
        };
        input.attempts.push(served);
        if (event) lifecycle!.attemptEnded(event, served);
        return { value, target, release };
      } catch (err) {
        release();
        const error = asGatehouseError(err);
        const failed: AttemptRecord = {
          provider: target.providerName,
          model: target.model,
          status: error.status,
          errorCode: error.code,
          latencyMs: performance.now() - started,
        };
        input.attempts.push(failed);
        if (event) lifecycle!.attemptEnded(event, failed, error.upstreamStatus);
        if (error.code === 'GH_CLIENT_CLOSED' || input.signal.aborted) throw error;
        if (!error.retryable) throw error;
        lastError = error;
        if (retry === target.retries) break;
        const wait = retryWait(error, retry, settings);
        if (wait === undefined) break; // the provider asks for a longer pause than we accept: fail over
        await sleep(wait, undefined, { signal: input.signal }).catch(() => {
          throw asGatehouseError(input.signal.reason);
        });
      }
    }
  }
  throw lastError ?? new GatehouseError('GH_INTERNAL', 'No target was tried.');
}

function attemptOptions(target: Target, input: FailoverInput): { opts: CallOptions; release: () => void } {
  const controller = new AbortController();
  const onCallerGone = () => controller.abort(input.signal.reason);
  input.signal.addEventListener('abort', onCallerGone, { once: true });
  const timer = setTimeout(() => {
    controller.abort(
      new GatehouseError(
        'GH_UPSTREAM_TIMEOUT',
        `${target.providerName}: no complete answer within the total timeout of ${target.timeouts.totalMs} ms.`,
        { provider: target.providerName },
      ),
    );
  }, target.timeouts.totalMs);
  timer.unref();
  const opts: CallOptions = {
    signal: controller.signal,
    timeouts: target.timeouts,
    requestId: input.requestId,
  };
  if (input.headers) opts.headers = input.headers;
  return {
    opts,
    release() {
      clearTimeout(timer);
      input.signal.removeEventListener('abort', onCallerGone);
    },
  };
}

/** Milliseconds to wait before the next try on the same target, or undefined to fail over instead. */
function retryWait(error: GatehouseError, retry: number, settings: FailoverSettings): number | undefined {
  if (error.retryAfter !== undefined) {
    const ms = error.retryAfter * 1000;
    return ms > settings.maxRetryWaitMs ? undefined : ms;
  }
  const exponential = settings.backoffBaseMs * 2 ** retry;
  return Math.min(settings.maxRetryWaitMs, exponential / 2 + Math.random() * (exponential / 2));
}
