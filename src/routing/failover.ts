// Tries a request's targets in order. A retryable failure is retried on the same target (with
// exponential backoff and jitter, honouring Retry-After) up to the target's retries, then moves on
// to the next target; a non-retryable failure is returned at once. A target whose circuit breaker is
// open is skipped without a call; every outcome is told to the target's state (breaker, latency,
// in flight), which the strategies read.
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
  let skipped: Target | undefined;
  for (const target of targets) {
    const state = target.state;
    if (target.breaker !== undefined && !state.breaker.allow(performance.now())) {
      skipped = target;
      continue;
    }
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
        const ended = performance.now();
        const served: AttemptRecord = {
          provider: target.providerName,
          model: target.model,
          status: 200,
          latencyMs: ended - started,
        };
        state.registry.succeeded(state, served.latencyMs, ended);
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
        if (error.code === 'GH_CLIENT_CLOSED' || input.signal.aborted || !error.retryable) {
          // Says nothing of the target's health: a half-open breaker's probe slot is freed.
          state.breaker.released();
          throw error;
        }
        state.registry.failed(state, target.breaker, performance.now());
        lastError = error;
        if (retry === target.retries || state.breaker.phase === 'open') break;
        const wait = retryWait(error, retry, settings);
        if (wait === undefined) break; // the provider asks for a longer pause than we accept: fail over
        await sleep(wait, undefined, { signal: input.signal }).catch(() => {
          throw asGatehouseError(input.signal.reason);
        });
      }
    }
  }
  if (lastError) throw lastError;
  if (skipped) throw circuitOpen(targets);
  throw new GatehouseError('GH_INTERNAL', 'No target was tried.');
}

/** Every target was skipped: the caller may retry when the first breaker lets a probe through. */
function circuitOpen(targets: readonly Target[]): GatehouseError {
  const now = performance.now();
  let waitMs = Number.POSITIVE_INFINITY;
  for (const t of targets) waitMs = Math.min(waitMs, t.state.breaker.remainingMs(now));
  const names = targets.map((t) => `${t.providerName}/${t.model}`).join(', ');
  return new GatehouseError(
    'GH_CIRCUIT_OPEN',
    `Every target of this model is failing and has been taken out of service for a while (${names}); retry later.`,
    { retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) },
  );
}

function attemptOptions(target: Target, input: FailoverInput): { opts: CallOptions; release: () => void } {
  const state = target.state;
  state.inFlight++;
  let released = false;
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
      if (released) return;
      released = true;
      state.inFlight--;
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
