// Turns the model name a client asked for into the ordered list of targets to try.
import { GatehouseError } from '../core/errors/index.ts';
import type { GatehouseConfig, TimeoutsConfig } from '../config/schema.ts';
import type { Provider, Timeouts } from '../providers/types.ts';

export interface Target {
  providerName: string;
  /** The provider's configured type (openai, anthropic, …), for pricing. */
  providerType: string;
  provider: Provider;
  /** The provider's own model id. */
  model: string;
  retries: number;
  timeouts: Timeouts;
}

export interface ProviderLookup {
  get(name: string): Provider | undefined;
}

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

  constructor(config: GatehouseConfig, providers: ProviderLookup) {
    this.#config = config;
    this.#providers = providers;
    for (const [name, model] of Object.entries(config.models)) {
      this.#models.set(
        name,
        model.targets.map((target) => {
          const providerTimeouts = config.providers[target.provider]?.timeouts;
          const timeouts = mergeTimeouts(
            mergeTimeouts(mergeTimeouts(defaultTimeouts, providerTimeouts), model.timeouts),
            target.timeouts,
          );
          this.#provider(target.provider);
          return this.#target(target.provider, target.model, target.retries ?? model.retries ?? 0, timeouts);
        }),
      );
    }
  }

  /** The provider is looked up on each use, so a provider rebuilt with a new secret is used at once. */
  #target(providerName: string, model: string, retries: number, timeouts: Timeouts): Target {
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
        return [
          { providerName, providerType, provider, model: modelName.slice(slash + 1), retries: 0, timeouts },
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
