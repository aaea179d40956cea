// OpenTelemetry traces, exported over OTLP/HTTP (JSON): one SERVER span per model request and one
// CLIENT span per upstream attempt, named and attributed after the GenAI semantic conventions. A
// caller's W3C `traceparent` is continued, and each attempt sends its own span as the upstream's
// parent. The provider is private (no global registration) and every parent context is passed
// explicitly, so nothing here depends on async context. Spans carry counts, ids and outcomes only:
// never prompt or answer text, never keys.
import type { IncomingHttpHeaders } from 'node:http';
import { providerManifests } from '../providers/index.ts';
import {
  type Attributes,
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { AttemptStarted, LifecycleSubscriber } from '../core/lifecycle/index.ts';
import type { AttemptRecord, RequestRecord } from '../core/records/index.ts';

export interface TracingOptions {
  /** OTLP/HTTP root, e.g. http://localhost:4318; spans are posted to `${endpoint}/v1/traces`. */
  endpoint?: string;
  headers?: Record<string, string>;
  serviceName: string;
  /** Share of new traces kept; continued traces follow the caller's sampled flag. */
  sampleRatio: number;
  log?: (line: string) => void;
}

export interface AttemptTrace {
  /** `traceparent` (and `tracestate`) naming this attempt's span, to send upstream. */
  readonly headers: Record<string, string>;
  /** `upstreamStatus`: the HTTP status the upstream answered a failed attempt with, when it answered. */
  end(attempt: AttemptRecord, upstreamStatus?: number): void;
}

export interface RequestTrace {
  readonly traceId: string;
  startAttempt(provider: string, providerType: string | undefined, model: string): AttemptTrace;
  end(record: RequestRecord): void;
}

const propagator = new W3CTraceContextPropagator();
const exportTimeoutMs = 3_000;

export class Tracing {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;
  readonly #log: (line: string) => void;

  private constructor(provider: TracerProvider, log: (line: string) => void) {
    this.#provider = provider;
    this.#tracer = provider.getTracer('gatehouse');
    this.#log = log;
  }

  /** Undefined without an endpoint, so that a gateway without tracing does no tracing work at all. */
  static create(options: TracingOptions): Tracing | undefined {
    if (!options.endpoint) return undefined;
    const log = options.log ?? (() => {});
    const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
    const exporter = new OTLPTraceExporter({
      url,
      // Retries included; also bounds how long the last export can hold up the gateway's stop.
      timeoutMillis: exportTimeoutMs,
      ...(options.headers ? { headers: options.headers } : {}),
    });
    log(`Tracing: exporting spans to ${new URL(url).origin} (OTLP/HTTP).`);
    return new Tracing(
      new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': options.serviceName }),
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
        spanProcessors: [new BatchSpanProcessor({ exporter: reportingFailures(exporter, url, log) })],
      }),
      log,
    );
  }

  startRequest(headers: IncomingHttpHeaders, route: string): RequestTrace {
    const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return new RequestSpan(this.#tracer, parent, route);
  }

  /**
   * Traces from the lifecycle events: a span per model request (health, metrics and admin calls are
   * not model traffic and are not traced) and a child span per upstream attempt, whose traceparent
   * the attempt's headers carry upstream.
   */
  subscriber(): LifecycleSubscriber {
    const requests = new WeakMap<RequestRecord, RequestTrace>();
    const attempts = new WeakMap<AttemptStarted, AttemptTrace>();
    return {
      requestStarted: ({ record, headers }) => {
        if (record.surface === 'gateway') return;
        const span = this.startRequest(headers, record.route);
        record.traceId = span.traceId;
        requests.set(record, span);
      },
      attemptStarted: (event) => {
        const span = requests
          .get(event.record)
          ?.startAttempt(event.provider, event.providerType, event.model);
        if (!span) return;
        Object.assign(event.headers, span.headers);
        attempts.set(event, span);
      },
      attemptEnded: ({ started, attempt, upstreamStatus }) => {
        attempts.get(started)?.end(attempt, upstreamStatus);
      },
      requestEnded: ({ record }) => {
        requests.get(record)?.end(record);
      },
    };
  }

  /** Exports the spans still queued, then stops; a collector that is down or slow does not hold up the stop. */
  async shutdown(flushMs = exportTimeoutMs + 1_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), flushMs);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([this.#provider.shutdown(), deadline]);
      if (outcome === 'timeout') this.#log(`Tracing: the last spans were not exported within ${flushMs} ms.`);
    } catch (err) {
      this.#log(`Tracing: the last spans could not be exported: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Times are taken on one clock per request: the wall clock at its start plus the monotonic time
 * since, so that span starts and durations agree with the durations the request log records.
 */
class RequestSpan implements RequestTrace {
  readonly traceId: string;
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  readonly #operation: string;
  readonly #startWall = Date.now();
  readonly #startMono = performance.now();
  readonly #providerTypes = new Map<string, string>();

  constructor(tracer: Tracer, parent: Context, route: string) {
    this.#tracer = tracer;
    this.#operation = operationOf(route);
    this.#span = tracer.startSpan(
      this.#operation,
      { kind: SpanKind.SERVER, startTime: this.#startWall, attributes: { 'http.route': route } },
      parent,
    );
    this.#context = trace.setSpan(parent, this.#span);
    this.traceId = this.#span.spanContext().traceId;
  }

  #now(): number {
    return this.#startWall + (performance.now() - this.#startMono);
  }

  startAttempt(provider: string, providerType: string | undefined, model: string): AttemptTrace {
    if (providerType) this.#providerTypes.set(provider, providerType);
    const startTime = this.#now();
    const system = genAiSystem(providerType);
    const attributes: Attributes = {
      'gen_ai.request.model': model,
      'gatehouse.provider': provider,
    };
    if (isGenAiOperation(this.#operation)) attributes['gen_ai.operation.name'] = this.#operation;
    if (system) {
      attributes['gen_ai.system'] = system;
      attributes['gen_ai.provider.name'] = system;
    }
    const span = this.#tracer.startSpan(
      `${this.#operation} ${model}`,
      { kind: SpanKind.CLIENT, startTime, attributes },
      this.#context,
    );
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    return {
      headers,
      end(attempt, upstreamStatus) {
        // The upstream's own status: a failure the gateway maps (500 → 502) or that had no answer
        // (reset, timeout) is told by error.type.
        const status = attempt.errorCode ? upstreamStatus : attempt.status;
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (attempt.errorCode) {
          span.setAttribute('error.type', attempt.errorCode);
          span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.errorCode });
        }
        span.end(startTime + attempt.latencyMs);
      },
    };
  }

  end(record: RequestRecord): void {
    const span = this.#span;
    if (record.model) span.updateName(`${this.#operation} ${record.model}`);
    span.setAttributes(requestAttributes(record, this.#operation));
    // A tool call through the MCP gateway, named as the GenAI conventions name tool execution.
    if (record.kind === 'tool' && record.tool) {
      span.updateName(`execute_tool ${record.tool}`);
      span.setAttributes({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': record.tool,
        'gatehouse.mcp.server': record.mcpServer ?? '',
      });
    }
    const system = genAiSystem(
      record.provider === undefined ? undefined : this.#providerTypes.get(record.provider),
    );
    if (system) span.setAttributes({ 'gen_ai.system': system, 'gen_ai.provider.name': system });
    if (record.status >= 500 || record.clientAborted)
      span.setStatus({ code: SpanStatusCode.ERROR, message: record.errorCode ?? String(record.status) });
    // A span per guardrail check, placed where it ran: entity types and the outcome, never the text.
    for (const v of record.guardrails ?? []) {
      const start = this.#startWall + v.atMs;
      this.#tracer
        .startSpan(
          `guardrail ${v.guardrail}`,
          {
            kind: SpanKind.INTERNAL,
            startTime: start,
            attributes: {
              'gatehouse.guardrail.name': v.guardrail,
              'gatehouse.guardrail.phase': v.phase,
              'gatehouse.guardrail.action': v.action,
              'gatehouse.guardrail.mode': v.mode,
              'gatehouse.guardrail.entities': v.entities,
              ...(v.score === undefined ? {} : { 'gatehouse.guardrail.score': v.score }),
            },
          },
          this.#context,
        )
        .end(start + v.latencyMs);
    }
    span.end(this.#startWall + (record.durationMs ?? performance.now() - this.#startMono));
  }
}

/** The SDK drops spans it cannot export without a word; say so, at most once a minute. */
function reportingFailures(exporter: SpanExporter, url: string, log: (line: string) => void): SpanExporter {
  let reportedAt = -Infinity;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && performance.now() - reportedAt > 60_000) {
          reportedAt = performance.now();
          log(
            `Tracing: spans could not be exported to ${new URL(url).origin}: ${result.error?.message ?? 'failed'}`,
          );
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: async () => exporter.forceFlush?.(),
  };
}

function requestAttributes(record: RequestRecord, operation: string): Attributes {
  const attributes: Attributes = {
    'http.response.status_code': record.status,
    'gatehouse.request_id': record.requestId,
    'gatehouse.attempts': record.attempts.length,
    'gatehouse.client_aborted': record.clientAborted === true,
  };
  const set = (key: string, value: string | number | boolean | string[] | null | undefined) => {
    if (value !== undefined && value !== null) attributes[key] = value;
  };
  if (isGenAiOperation(operation)) set('gen_ai.operation.name', operation);
  set('gen_ai.request.model', record.model);
  set('gen_ai.response.model', record.providerModel);
  set('gen_ai.usage.input_tokens', record.usage?.inputTokens);
  set('gen_ai.usage.output_tokens', record.usage?.outputTokens);
  set('gen_ai.response.finish_reasons', record.finishReason ? [record.finishReason] : undefined);
  if (record.status >= 400) set('error.type', record.errorCode ?? String(record.status));
  set('gatehouse.provider', record.provider);
  set('gatehouse.cost_usd', record.costUsd);
  set('gatehouse.team_id', record.teamId);
  set('gatehouse.key_id', record.keyId);
  set('gatehouse.stream', record.stream);
  set('gatehouse.cache_read_tokens', record.usage?.cacheReadTokens);
  set('gatehouse.reasoning_tokens', record.usage?.reasoningTokens);
  return attributes;
}

function operationOf(route: string): string {
  if (route === '/v1/chat/completions' || route === '/v1/messages') return 'chat';
  if (route === '/v1/embeddings') return 'embeddings';
  return route;
}

function isGenAiOperation(operation: string): boolean {
  return operation === 'chat' || operation === 'embeddings';
}

/** The GenAI conventions' well-known provider names, by configured provider type. */
const systems = new Map(providerManifests.map((m) => [m.type, m.genAiSystem]));

function genAiSystem(providerType: string | undefined): string | undefined {
  return providerType === undefined ? undefined : (systems.get(providerType) ?? '_OTHER');
}
