// What the pipeline stages share for the life of the process: resolved targets and failover settings.
import type { BodyLogging, GatehouseConfig } from '../config/schema.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { type FailoverSettings, type Target, TargetResolver } from '../routing/index.ts';
import type { ProviderLookup } from '../routing/targets.ts';
import type { FailoverInput } from '../routing/failover.ts';
import type { Admitter } from './admit.ts';
import type { RequestContext, SurfaceName } from './context.ts';

export class Pipeline {
  readonly targets: TargetResolver;
  readonly failover: FailoverSettings;
  readonly admitter: Admitter;
  readonly #providerTypes: ReadonlyMap<string, string>;
  readonly #providerRegions: ReadonlyMap<string, readonly string[]>;
  readonly #bodyLogging: BodyLogging;

  constructor(config: GatehouseConfig, providers: ProviderLookup, admitter: Admitter) {
    this.targets = new TargetResolver(config, providers);
    this.admitter = admitter;
    this.#providerTypes = new Map(Object.entries(config.providers).map(([name, p]) => [name, p.type]));
    this.#providerRegions = new Map(
      Object.entries(config.providers).map(([name, p]) => [name, p.regions ?? []]),
    );
    this.#bodyLogging = config.logging.bodies;
    this.failover = {
      maxRetryWaitMs: config.routing.max_retry_wait_ms,
      backoffBaseMs: config.routing.backoff_base_ms,
    };
  }

  /** What the request log keeps of this caller's bodies. */
  bodyLogging(ctx: RequestContext): BodyLogging {
    return ctx.principal?.logBodies ?? this.#bodyLogging;
  }

  /**
   * A caller pinned to a data-residency region may use only targets whose provider is tagged with
   * that region; when none is left, the request is refused rather than sent elsewhere.
   */
  inRegion(ctx: RequestContext, model: string, targets: readonly Target[]): readonly Target[] {
    const region = ctx.principal?.region;
    if (region === undefined) return targets;
    const allowed = targets.filter((t) => this.#providerRegions.get(t.providerName)?.includes(region));
    if (allowed.length === 0)
      throw new GatehouseError(
        'GH_REGION_NOT_ALLOWED',
        `Your team is pinned to the data-residency region "${region}", and no provider of "${model}" serves from it.`,
      );
    return allowed;
  }

  providerType(name: string | undefined): string | undefined {
    return name === undefined ? undefined : this.#providerTypes.get(name);
  }

  failoverInput(ctx: RequestContext, surface: SurfaceName): FailoverInput {
    const input: FailoverInput = {
      requestId: ctx.requestId,
      signal: ctx.signal,
      attempts: ctx.record.attempts,
    };
    if (ctx.trace) input.trace = ctx.trace;
    // Anthropic beta features are opted into per request; they only mean something to Anthropic upstreams.
    const beta = ctx.headers['anthropic-beta'];
    if (surface === 'anthropic' && typeof beta === 'string') input.headers = { 'anthropic-beta': beta };
    return input;
  }
}
