// The per-request context every stage reads. Its record is published when the request ends (always,
// from a `finally` in the server), so no route can skip being recorded.
import type { IncomingHttpHeaders } from 'node:http';
import type { Lifecycle } from '../core/lifecycle/index.ts';
import type { RequestRecord } from '../core/records/index.ts';
import type { Principal } from '../governance/index.ts';

// The record types live in core/records now; these names stay for code that imports them from here.
export { lifecycleChannels } from '../core/lifecycle/index.ts';
export type { AttemptRecord, RequestRecord, SurfaceName } from '../core/records/index.ts';

import { lifecycleChannels } from '../core/lifecycle/index.ts';

/** The finished-request channel (`gatehouse:request`); its messages are RequestEnded events. */
export const requestRecords = lifecycleChannels.requestEnded;

export interface RequestContext {
  readonly requestId: string;
  readonly headers: IncomingHttpHeaders;
  /** Aborted with GH_CLIENT_CLOSED when the caller disconnects before the answer is complete. */
  readonly signal: AbortSignal;
  readonly startedAt: number;
  readonly record: RequestRecord;
  /** Where the request's and its attempts' events are published. */
  readonly lifecycle: Lifecycle;
  /** Set by authentication before any pipeline stage runs. */
  principal?: Principal;
  /** Set on the gateway's own calls (pipeline/internal.ts): their purpose. Plugged-in stages pass them on. */
  readonly internal?: string;
}
