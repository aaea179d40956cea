// Turns the model name a client asked for into the ordered list of targets to try.
import { GatehouseError } from '../core/errors/index.ts';
import type { GatehouseConfig, ModelConfig, TargetConfig, TimeoutsConfig } from '../config/schema.ts';
import type { Provider, Timeouts } from '../providers/types.ts';
import type { BreakerSettings } from './breaker.ts';
import { RoutingState, type TargetState } from './state.ts';

export interface Target {
  providerName: string;
  /** The provider's configured type (openai, anthropic, …), for pricing. */
  providerType: string;
  provider: Provider;
  /** The provider's own model id. */
  model: string;
  retries: number;
  timeouts: Timeouts;
  /** Share of traffic under the weighted strategy. */
  weight: number;
  /** What routing has learnt of this target (breaker, latency, in flight), shared across reloads. */
  state: TargetState;
  /** Undefined when the model turns its breaker off. */
  breaker: BreakerSettings | undefined;
  /** Undefined unless the model configures active health checks. */
  health?: HealthSettings | undefined;
}

/** Active health checks of a model's targets (`health_check`). */
export interface HealthSettings {
  intervalMs: number;
  timeoutMs: number;
}

export interface ProviderLookup {
  get(name: string): Provider | undefined;
}

const defaultBreaker: BreakerSettings = { threshold: 5, windowMs: 30_000, cooldownMs: 30_000 };

export const defaultTimeouts: Timeouts = { connectMs: 10_000, firstByteMs: 120_000, totalMs: 600_000 };

function mergeTimeouts(base: Timeouts, over: TimeoutsConfig | undefined): Timeouts {
  if (!over) return base;
  return {
    connectMs: over.connect_ms ?? base.connectMs,
    firstByteMs: over.first_byte_ms ?? base.firstByteMs,
    totalMs: over.total_ms ?? base.totalMs,
  };
}

/**
 * Resolves every configured model once at start (so the request path only does a map lookup);
 * `provider/model` names are resolved on demand when direct addressing is allowed.
 */
export class TargetResolver {
  readonly #config: GatehouseConfig;
  readonly #providers: ProviderLookup;
  readonly #models = new Map<string, Target[]>();
  /** Breakers, latency and in-flight counts by target identity: handed on to the next configuration. */
  readonly state: RoutingState;

  constructor(config: GatehouseConfig, providers: ProviderLookup, state = new RoutingState()) {
    this.#config = config;
    this.#providers = providers;
    this.state = state;
    for (const [name, model] of Object.entries(config.models))
      this.#models.set(name, this.targetsOf(model, model.targets));
  }

  /** Targets built with a model's defaults (retries, timeouts, breaker): its own, or a rule's. */
  targetsOf(model: ModelConfig, targets: readonly TargetConfig[]): Target[] {
    const config = this.#config;
    const cb = model.circuit_breaker;
    const breaker: BreakerSettings | undefined =
      cb === false
        ? undefined
        : { threshold: cb.failure_threshold, windowMs: cb.window_s * 1000, cooldownMs: cb.cooldown_s * 1000 };
    const hc = model.health_check;
    const health: HealthSettings | undefined = hc && {
      intervalMs: hc.interval_s * 1000,
      timeoutMs: hc.timeout_ms,
    };
    return targets.map((target) => {
      const providerTimeouts = config.providers[target.provider]?.timeouts;
      const timeouts = mergeTimeouts(
        mergeTimeouts(mergeTimeouts(defaultTimeouts, providerTimeouts), model.timeouts),
        target.timeouts,
      );
      this.#provider(target.provider);
      return this.#target(
        target.provider,
        target.model,
        target.retries ?? model.retries ?? 0,
        timeouts,
        target.weight ?? 1,
        breaker,
        health,
      );
    });
  }

  /** The provider is looked up on each use, so a provider rebuilt with a new secret is used at once. */
  #target(
    providerName: string,
    model: string,
    retries: number,
    timeouts: Timeouts,
    weight: number,
    breaker: BreakerSettings | undefined,
    health: HealthSettings | undefined,
  ): Target {
    const providers = this.#providers;
    return {
      providerName,
      providerType: this.#config.providers[providerName]!.type,
      get provider() {
        return providers.get(providerName)!;
      },
      model,
      retries,
      timeouts,
      weight,
      state: this.state.target(providerName, model),
      breaker,
      health,
    };
  }

  #provider(name: string): Provider {
    const provider = this.#providers.get(name);
    if (!provider) throw new Error(`provider "${name}" is not configured`);
    return provider;
  }

  /** The configured model names, in configuration order. */
  modelNames(): string[] {
    return [...this.#models.keys()];
  }

  resolve(modelName: string): Target[] {
    const configured = this.#models.get(modelName);
    if (configured) return configured;
    const slash = modelName.indexOf('/');
    if (this.#config.routing.allow_direct && slash > 0 && slash < modelName.length - 1) {
      const providerName = modelName.slice(0, slash);
      const provider = this.#providers.get(providerName);
      if (provider) {
        const timeouts = mergeTimeouts(defaultTimeouts, this.#config.providers[providerName]?.timeouts);
        const providerType = this.#config.providers[providerName]!.type;
        const model = modelName.slice(slash + 1);
        // Named directly, a target has no model configuration: the default breaker applies.
        return [
          {
            providerName,
            providerType,
            provider,
            model,
            retries: 0,
            timeouts,
            weight: 1,
            state: this.state.target(providerName, model),
            breaker: defaultBreaker,
          },
        ];
      }
    }
    throw new GatehouseError(
      'GH_MODEL_NOT_FOUND',
      `The model "${truncate(modelName)}" does not exist on this gateway. GET /v1/models lists the models you can use.`,
      { param: 'model' },
    );
  }
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
