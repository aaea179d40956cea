// What one configuration version is made of at run time: the objects built from its text (the
// providers, the pipeline with its stages, the model targets). A reload builds a new one and swaps
// it in; a request holds the one it started with until it ends. Long-lived state (the governor and
// its counters, the store, the request log, metrics) is shared by every version and never rebuilt.
import type { ResponseCache } from '../cache/index.ts';
import type { GatehouseConfig } from '../config/schema.ts';
import type { RunGuard } from '../runs/index.ts';
import type { Governor, LimitRule, SecretStore } from '../governance/index.ts';
import { PriceBook } from '../governance/index.ts';
import { type InternalCalls, Pipeline, type StageSlots } from '../pipeline/index.ts';
import type { ProviderDeps } from '../providers/index.ts';
import type { RoutingState, Target } from '../routing/index.ts';
import { ProviderRegistry } from './provider-registry.ts';
import { configuredSlots } from './slots.ts';

export interface ConfigRuntime {
  /** The version's hash (docs/config-reload.md): on every request event, in /readyz and metrics. */
  readonly version: string;
  readonly config: GatehouseConfig;
  readonly pipeline: Pipeline;
  /** The models' targets through the router, so that experiment names resolve too. */
  readonly targets: { resolve(model: string): readonly Target[] };
  readonly providers: ProviderRegistry;
  /**
   * Set on the serving version while a newer one is on trial (reload.canary): the trial picks which
   * of the two serves each request. Undefined otherwise, which is all the request path checks.
   */
  trial: TrialSplit | undefined;
}

/** What the request path asks of a trial (config-canary.ts). */
export interface TrialSplit {
  readonly candidate: ConfigRuntime;
  pick(requestId: string, keyId: string | undefined): ConfigRuntime;
}

/**
 * What every version shares: built once at start. Long-lived state that a version's objects use
 * (counters, routing health kept by target) belongs here, so a reload never resets it.
 */
export interface SharedState {
  governor: Governor;
  secrets: SecretStore;
  providerDeps: ProviderDeps;
  /** Stages the embedder passed to startGateway, run after the configured ones in each slot. */
  stages?: StageSlots;
  /** The gateway's own model calls, through whichever version is serving (pipeline/internal.ts). */
  calls: InternalCalls;
  /** The response cache, built once at start when configured: its store outlives a version. */
  cache?: ResponseCache | undefined;
  /** What routing knows of each target (breakers, latency, in flight), kept across versions. */
  routing: RoutingState;
  /** Bounds on agent runs, their counters shared across versions (and replicas, with Redis). */
  runs: RunGuard;
  log(line: string): void;
  warn(line: string): void;
}

export async function buildRuntime(
  config: GatehouseConfig,
  version: string,
  shared: SharedState,
): Promise<ConfigRuntime> {
  const providers = new ProviderRegistry(config.providers, shared.providerDeps, shared.secrets);
  for (const name of await providers.load()) {
    shared.warn(
      `The configuration uses the secret "${name}", which is not stored; add it with PUT /admin/secrets/${name} (or gatehouse secrets).`,
    );
  }
  providers.startPolling(5_000, shared.log);
  const pipeline = new Pipeline(
    config,
    providers,
    {
      governor: shared.governor,
      prices: new PriceBook(config.prices),
      modelLimits: modelLimits(config),
      runs: shared.runs,
    },
    configuredSlots(config, { log: shared.log, calls: shared.calls, cache: shared.cache }, shared.stages),
    shared.routing,
  );
  return { version, config, pipeline, targets: pipeline.router, providers, trial: undefined };
}

/** Ends what a version runs in the background, once no new request can pick it. */
export function retireRuntime(runtime: ConfigRuntime): void {
  runtime.providers.stop();
}

function modelLimits(config: GatehouseConfig): Map<string, LimitRule> {
  const limits = new Map<string, LimitRule>();
  for (const [name, model] of Object.entries(config.models)) {
    if (model.limits) limits.set(name, { scope: 'model', id: name, name, ...model.limits });
  }
  return limits;
}

/**
 * The settings read once at start (the listener, the store, counters, telemetry, alerts): a new
 * version that changes one is applied, and the change waits for a restart. Everything else —
 * providers, models, prices, routing, body logging and the stages built from configuration — takes
 * effect for new requests.
 */
export function restartOnlyChanges(before: GatehouseConfig, after: GatehouseConfig): string[] {
  const changed: string[] = [];
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  for (const key of ['server', 'governance', 'telemetry', 'alerts', 'regions', 'auth'] as const) {
    const a = before[key] as Record<string, unknown>;
    const b = after[key] as Record<string, unknown>;
    for (const field of new Set([...Object.keys(a), ...Object.keys(b)]))
      if (differs(a[field], b[field])) changed.push(`${key}.${field}`);
  }
  for (const field of ['retention_days', 'retention_check_minutes'] as const)
    if (differs(before.logging[field], after.logging[field])) changed.push(`logging.${field}`);
  for (const field of ['source', 'watch', 'debounce_ms', 'poll_s'] as const)
    if (differs(before.reload[field], after.reload[field])) changed.push(`reload.${field}`);
  return changed;
}
