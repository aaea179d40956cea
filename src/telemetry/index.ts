// The public surface of telemetry: the request log's stores, metrics, alerts, the gateway's log and
// the subscriptions that feed them from the lifecycle events, plus the redaction the pipeline applies
// to logged bodies. Outside telemetry/, import from here only (the dependency check holds to it);
// tracing is the exception, loaded on demand so that a gateway without a collector does not carry
// the OpenTelemetry SDK.
export { listAlertEvents, recordAlertEvent } from './alert-history.ts';
export { type AlertPayload, type AlertState, createAlerts } from './alerts.ts';
export { EventStores } from './event-stores.ts';
export { parseTags } from './events.ts';
export { histogramColumns, latencyPercentiles } from './latency-histogram.ts';
export { createLogger, type Logger, loggerFromLines, parseLogFormat, parseLogLevel } from './log.ts';
export { logGatewayEvents } from './log-events.ts';
export { GatewayMetrics } from './metrics.ts';
export { redactJson } from './redact.ts';
export { addUsage, emptySums, sumColumns } from './rollups.ts';
export { subscribeTelemetry } from './subscribe.ts';
export { type TargetMetrics, type TargetReading, watchTargets } from './target-metrics.ts';
