// Model prices: the maintained, offline price list of @pydantic/genai-prices, with overrides and
// custom prices (self-hosted models) from the configuration. An unknown price is null, never 0.
import { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from '../../core/ir/index.ts';
import { providerManifests } from '../../providers/index.ts';

export interface PriceOverride {
  input_per_mtok: number;
  output_per_mtok: number;
  cache_read_per_mtok?: number | undefined;
  cache_write_per_mtok?: number | undefined;
}

/** Provider types → the price list's provider ids, and the prices some types fix themselves. */
const providerIds = new Map(providerManifests.map((m) => [m.type, m.pricingId]));
const builtInPrices = new Map(
  providerManifests.map((m) => [m.type, new Map(Object.entries(m.builtInPrices ?? {}))]),
);

/** Per-token prices of one model in the list, read with probes far below any tier threshold. */
interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cacheWrite1h: number;
}

/** No model in the list changes price tier below this many input tokens (tiers start at 128k). */
const linearBelow = 100_000;
const probe = 10_000;
const ratesTtlMs = 3_600_000;

/** What is known of one model's price: its override, or its list rates until they are read again. */
interface ModelPrice {
  override: PriceOverride | null;
  rates?: Rates | null;
  ratesUntil: number;
}

export class PriceBook {
  readonly #overrides: ReadonlyMap<string, PriceOverride>;
  /**
   * Provider type → model → price. Two levels rather than a joined key: the names come from the
   * configuration, so their hashes are computed once, and nothing is built per request.
   */
  readonly #models = new Map<string, Map<string, ModelPrice>>();
  #size = 0;

  /** Overrides are keyed "provider-type/model" or just "model". */
  constructor(overrides: Record<string, PriceOverride> = {}) {
    this.#overrides = new Map(Object.entries(overrides));
  }

  cost(providerType: string, model: string, usage: Usage): number | null {
    const price = this.#price(providerType, model);
    if (price.override) return priced(price.override, usage);
    // Matching a model in the list costs more than the rest of a request, so below the sizes where
    // prices change tier (where they are linear) the model's per-token rates are kept for an hour.
    if (usage.inputTokens > linearBelow) return listPrice(providerType, model, usage);
    const now = Date.now();
    if (price.rates === undefined || price.ratesUntil < now) {
      price.rates = probeRates(providerType, model);
      price.ratesUntil = now + ratesTtlMs;
    }
    return price.rates === null ? null : linear(price.rates, usage);
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

  #price(providerType: string, model: string): ModelPrice {
    let models = this.#models.get(providerType);
    let price = models?.get(model);
    if (price) return price;
    if (this.#size >= 10_000) {
      this.#models.clear();
      this.#size = 0;
      models = undefined;
    }
    if (!models) {
      models = new Map();
      this.#models.set(providerType, models);
    }
    price = {
      override:
        this.#overrides.get(`${providerType}/${model}`) ??
        this.#overrides.get(model) ??
        builtInPrices.get(providerType)?.get(model) ??
        null,
      ratesUntil: 0,
    };
    models.set(model, price);
    this.#size++;
    return price;
  }
}

function listPrice(providerType: string, model: string, usage: Usage): number | null {
  const providerId = providerIds.get(providerType);
  const result = calcPrice(
    {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_tokens: usage.cacheReadTokens ?? 0,
      cache_write_tokens: usage.cacheWriteTokens ?? 0,
      cache_write_1h_tokens: usage.cacheWrite1hTokens,
    },
    model,
    providerId ? { providerId } : undefined,
  );
  return result ? result.total_price : null;
}

function probeRates(providerType: string, model: string): Rates | null {
  const price = (usage: Partial<Usage>) =>
    (listPrice(providerType, model, { inputTokens: 0, outputTokens: 0, ...usage }) ?? 0) / probe;
  if (listPrice(providerType, model, { inputTokens: probe, outputTokens: 0 }) === null) return null;
  return {
    input: price({ inputTokens: probe }),
    output: price({ outputTokens: probe }),
    cacheRead: price({ inputTokens: probe, cacheReadTokens: probe }),
    cacheWrite: price({ inputTokens: probe, cacheWriteTokens: probe }),
    cacheWrite1h: price({ inputTokens: probe, cacheWriteTokens: probe, cacheWrite1hTokens: probe }),
  };
}

function linear(rates: Rates, usage: Usage): number {
  const read = usage.cacheReadTokens ?? 0;
  const write = usage.cacheWriteTokens ?? 0;
  const hour = Math.min(write, usage.cacheWrite1hTokens ?? 0);
  return (
    Math.max(0, usage.inputTokens - read - write) * rates.input +
    read * rates.cacheRead +
    (write - hour) * rates.cacheWrite +
    hour * rates.cacheWrite1h +
    usage.outputTokens * rates.output
  );
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
