// What the pipeline stages share for the life of the process: resolved targets and failover settings.
import type { GatehouseConfig } from '../config/schema.ts';
import type { Provider } from '../providers/types.ts';
import { type FailoverSettings, TargetResolver } from '../routing/index.ts';
import type { FailoverInput } from '../routing/failover.ts';
import type { RequestContext, SurfaceName } from './context.ts';

export class Pipeline {
  readonly targets: TargetResolver;
  readonly failover: FailoverSettings;

  constructor(config: GatehouseConfig, providers: ReadonlyMap<string, Provider>) {
    this.targets = new TargetResolver(config, providers);
    this.failover = {
      maxRetryWaitMs: config.routing.max_retry_wait_ms,
      backoffBaseMs: config.routing.backoff_base_ms,
    };
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
