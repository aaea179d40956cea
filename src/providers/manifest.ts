// What Gatehouse needs to know about one provider type, declared once in the provider's folder.
// Everything that used to switch on the type (the config schema, building the provider, the price
// list's provider id, the tracing system name) reads it from the manifest instead.
import type { z } from 'zod';
import type { Provider, ProviderDeps } from './types.ts';

/** USD per million tokens. */
export interface BuiltInPrice {
  input_per_mtok: number;
  output_per_mtok: number;
}

export interface ProviderManifest<
  Schema extends z.core.$ZodTypeDiscriminable = z.core.$ZodTypeDiscriminable,
> {
  /** The `type` a provider has in gatehouse.yaml; the config schema's `type` literal. */
  readonly type: string;
  /** The provider's entry in gatehouse.yaml, `type` included. */
  readonly config: Schema;
  create(name: string, config: z.output<Schema>, deps: ProviderDeps): Provider;
  /**
   * The provider's id in the price list (@pydantic/genai-prices). Undefined where the type says
   * nothing about who serves the model (an OpenAI-compatible server): prices match by model alone.
   */
  readonly pricingId: string | undefined;
  /** Prices that hold whatever the price list says, by model (the offline mock's models). */
  readonly builtInPrices?: Readonly<Record<string, BuiltInPrice>>;
  /** The OpenTelemetry GenAI conventions' provider name (`gen_ai.provider.name`); `_OTHER` when unknown. */
  readonly genAiSystem: string;
}

/** Keeps each manifest's own config type, so its `create` is checked against its own schema. */
export function defineProvider<Schema extends z.core.$ZodTypeDiscriminable>(
  manifest: ProviderManifest<Schema>,
): ProviderManifest<Schema> {
  return manifest;
}
