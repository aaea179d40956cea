// Telemetry as subscribers of a gateway's lifecycle: metrics count every finished request, the
// request log keeps the model traffic, traces follow requests and their attempts, alerts watch
// providers and spend. Nothing here is called from the request path.
import type { Lifecycle } from '../core/lifecycle/index.ts';
import type { Alerts } from './alerts.ts';
import { eventRow } from './events.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { EventRow } from './recorder.ts';
import type { Tracing } from './tracing.ts';

export interface TelemetrySinks {
  metrics: GatewayMetrics;
  requestLog: { record(row: EventRow): void };
  tracing?: Tracing;
  alerts?: Alerts;
}

/** Subscribes every sink; returns what undoes it. */
export function subscribeTelemetry(lifecycle: Lifecycle, sinks: TelemetrySinks): () => void {
  const { metrics, requestLog } = sinks;
  const undo = [
    lifecycle.subscribe({ requestEnded: ({ record }) => metrics.observe(record) }),
    // Health, metrics and admin calls are not model traffic: they are counted, not logged.
    lifecycle.subscribe({
      requestEnded: ({ record }) => {
        if (record.surface !== 'gateway') requestLog.record(eventRow(record));
      },
    }),
  ];
  if (sinks.tracing) undo.push(lifecycle.subscribe(sinks.tracing.subscriber()));
  if (sinks.alerts) {
    sinks.alerts.start(lifecycle);
    undo.push(() => sinks.alerts?.stop());
  }
  return () => {
    for (const u of undo) u();
  };
}
