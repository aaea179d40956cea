// Model prices: the maintained, offline price list of @pydantic/genai-prices, with overrides and
// custom prices (self-hosted models) from the configuration. An unknown price is null, never 0.
import { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from '../../core/ir/index.ts';

export interface PriceOverride {
  input_per_mtok: number;
  output_per_mtok: number;
  cache_read_per_mtok?: number | undefined;
  cache_write_per_mtok?: number | undefined;
}

/** Gatehouse provider types → the price list's provider ids (openai-compatible matches by model). */
const providerIds: Record<string, string | undefined> = {
  openai: 'openai',
  'azure-openai': 'azure',
  anthropic: 'anthropic',
  gemini: 'google',
  bedrock: 'aws',
};

// The offline mock models have a price, so budgets can be tried without any provider.
const mockPrice: PriceOverride = { input_per_mtok: 1, output_per_mtok: 2 };
const mockModels = new Set(['mock-fast', 'mock-smart', 'mock-embed']);

export class PriceBook {
  readonly #overrides: ReadonlyMap<string, PriceOverride>;
  readonly #cache = new Map<string, PriceOverride | null>();

  /** Overrides are keyed "provider-type/model" or just "model". */
  constructor(overrides: Record<string, PriceOverride> = {}) {
    this.#overrides = new Map(Object.entries(overrides));
  }

  cost(providerType: string, model: string, usage: Usage): number | null {
    const override = this.#override(providerType, model);
    if (override) return priced(override, usage);
    const result = calcPrice(
      {
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cache_read_tokens: usage.cacheReadTokens ?? 0,
        cache_write_tokens: usage.cacheWriteTokens ?? 0,
        cache_write_1h_tokens: usage.cacheWrite1hTokens,
      },
      model,
      providerIds[providerType] ? { providerId: providerIds[providerType] } : undefined,
    );
    return result ? result.total_price : null;
  }

  /** The most a request may cost: its (estimated) input and its whole output allowance. */
  worstCase(
    providerType: string,
    model: string,
    inputTokens: number,
    maxOutputTokens: number,
  ): number | null {
    return this.cost(providerType, model, { inputTokens, outputTokens: maxOutputTokens });
  }

  #override(providerType: string, model: string): PriceOverride | undefined {
    const key = `${providerType}/${model}`;
    let found = this.#cache.get(key);
    if (found === undefined) {
      found =
        this.#overrides.get(key) ??
        this.#overrides.get(model) ??
        (providerType === 'mock' && mockModels.has(model) ? mockPrice : null);
      this.#cache.set(key, found);
    }
    return found ?? undefined;
  }
}

function priced(price: PriceOverride, usage: Usage): number {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  const plainInput = Math.max(0, usage.inputTokens - cacheRead - cacheWrite);
  const perToken = (perMillion: number) => perMillion / 1_000_000;
  return (
    plainInput * perToken(price.input_per_mtok) +
    cacheRead * perToken(price.cache_read_per_mtok ?? price.input_per_mtok) +
    cacheWrite * perToken(price.cache_write_per_mtok ?? price.input_per_mtok) +
    usage.outputTokens * perToken(price.output_per_mtok)
  );
}
