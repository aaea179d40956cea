// Request and attempt lifecycle events, published once each on diagnostics_channel (as undici
// publishes its own): the pipeline and the server say what happened, and telemetry — metrics, the
// request log, traces, alerts — subscribes. Nothing on the request path calls telemetry, and a
// publish with no subscriber costs one property read.
//
// Several gateways may share a process (tests, embedding), and channels are process-wide: each
// event names its Lifecycle, and `subscribe` delivers only the events of the one it is called on.
// Outside code may subscribe to the channels by name and see every gateway's events.
import { channel } from 'node:diagnostics_channel';
import type { IncomingHttpHeaders } from 'node:http';
import type { AttemptRecord, RequestRecord } from '../records/index.ts';

export interface RequestStarted {
  readonly lifecycle: Lifecycle;
  readonly record: RequestRecord;
  /** The caller's headers (a tracer continues the caller's `traceparent`). */
  readonly headers: IncomingHttpHeaders;
}

export interface RequestEnded {
  readonly lifecycle: Lifecycle;
  /** Complete: status, usage, cost and duration are known. */
  readonly record: RequestRecord;
}

export interface AttemptStarted {
  readonly lifecycle: Lifecycle;
  readonly record: RequestRecord;
  readonly provider: string;
  readonly providerType: string;
  readonly model: string;
  /** Headers sent upstream with this attempt: a subscriber may add to them (a trace's `traceparent`). */
  readonly headers: Record<string, string>;
}

export interface AttemptEnded {
  readonly lifecycle: Lifecycle;
  readonly started: AttemptStarted;
  readonly attempt: AttemptRecord;
  /** The HTTP status the upstream answered a failed attempt with, when it answered. */
  readonly upstreamStatus?: number;
}

export const lifecycleChannels = {
  requestStarted: channel('gatehouse:request:start'),
  /** The name the finished-request event has always had. */
  requestEnded: channel('gatehouse:request'),
  attemptStarted: channel('gatehouse:attempt:start'),
  attemptEnded: channel('gatehouse:attempt:end'),
} as const;

export interface LifecycleSubscriber {
  requestStarted?(event: RequestStarted): void;
  requestEnded?(event: RequestEnded): void;
  attemptStarted?(event: AttemptStarted): void;
  attemptEnded?(event: AttemptEnded): void;
}

/** One gateway's lifecycle: what it publishes, and what its own subscribers receive. */
export class Lifecycle {
  readonly #onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void = (err) => console.error('[gatehouse] subscriber:', err)) {
    this.#onError = onError;
  }

  requestStarted(record: RequestRecord, headers: IncomingHttpHeaders): void {
    const ch = lifecycleChannels.requestStarted;
    if (ch.hasSubscribers) ch.publish({ lifecycle: this, record, headers } satisfies RequestStarted);
  }

  requestEnded(record: RequestRecord): void {
    const ch = lifecycleChannels.requestEnded;
    if (ch.hasSubscribers) ch.publish({ lifecycle: this, record } satisfies RequestEnded);
  }

  /** The event to end the attempt with, or undefined when nobody listens. */
  attemptStarted(
    record: RequestRecord,
    provider: string,
    providerType: string,
    model: string,
  ): AttemptStarted | undefined {
    const ch = lifecycleChannels.attemptStarted;
    if (!ch.hasSubscribers && !lifecycleChannels.attemptEnded.hasSubscribers) return undefined;
    const event: AttemptStarted = { lifecycle: this, record, provider, providerType, model, headers: {} };
    ch.publish(event);
    return event;
  }

  attemptEnded(started: AttemptStarted, attempt: AttemptRecord, upstreamStatus?: number): void {
    const event: AttemptEnded =
      upstreamStatus === undefined
        ? { lifecycle: this, started, attempt }
        : { lifecycle: this, started, attempt, upstreamStatus };
    lifecycleChannels.attemptEnded.publish(event);
  }

  /**
   * Subscribes to this gateway's events; returns the unsubscribe. A subscriber's throw is reported
   * and goes no further: diagnostics_channel would otherwise raise it as an uncaught exception.
   */
  subscribe(subscriber: LifecycleSubscriber): () => void {
    const undo: Array<() => void> = [];
    for (const name of Object.keys(lifecycleChannels) as Array<keyof typeof lifecycleChannels>) {
      const handle = subscriber[name] as ((event: { lifecycle: Lifecycle }) => void) | undefined;
      if (!handle) continue;
      const ch = lifecycleChannels[name];
      const listener = (message: unknown) => {
        const event = message as { lifecycle: Lifecycle };
        if (event.lifecycle !== this) return;
        try {
          handle.call(subscriber, event);
        } catch (err) {
          this.#onError(err);
        }
      };
      ch.subscribe(listener);
      undo.push(() => ch.unsubscribe(listener));
    }
    return () => {
      for (const u of undo) u();
    };
  }
}
