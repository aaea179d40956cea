// What the pipeline stages share for the life of the process: resolved targets and failover settings.
import type { GatehouseConfig } from '../config/schema.ts';
import { type FailoverSettings, TargetResolver } from '../routing/index.ts';
import type { ProviderLookup } from '../routing/targets.ts';
import type { FailoverInput } from '../routing/failover.ts';
import type { Admitter } from './admit.ts';
import type { RequestContext, SurfaceName } from './context.ts';

export class Pipeline {
  readonly targets: TargetResolver;
  readonly failover: FailoverSettings;
  readonly admitter: Admitter;
  readonly #providerTypes: ReadonlyMap<string, string>;

  constructor(config: GatehouseConfig, providers: ProviderLookup, admitter: Admitter) {
    this.targets = new TargetResolver(config, providers);
    this.admitter = admitter;
    this.#providerTypes = new Map(Object.entries(config.providers).map(([name, p]) => [name, p.type]));
    this.failover = {
      maxRetryWaitMs: config.routing.max_retry_wait_ms,
      backoffBaseMs: config.routing.backoff_base_ms,
    };
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
    // Anthropic beta features are opted into per request; they only mean something to Anthropic upstreams.
    const beta = ctx.headers['anthropic-beta'];
    if (surface === 'anthropic' && typeof beta === 'string') input.headers = { 'anthropic-beta': beta };
    return input;
  }
}
