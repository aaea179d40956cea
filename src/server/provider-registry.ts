// The live set of providers. A provider whose configuration refers to stored secrets
// (`secret:NAME`) is built with their values, and rebuilt when one changes — on this replica at
// once, on others within the polling interval — so a rotated credential needs no restart.
import type { ProviderConfig } from '../config/schema.ts';
import { GatehouseError } from '../core/errors/index.ts';
import { type SecretStore, secretReferences, withSecrets } from '../governance/index.ts';
import { createProvider, type Provider, type ProviderDeps } from '../providers/index.ts';

export class ProviderRegistry {
  readonly #configs: ReadonlyMap<string, ProviderConfig>;
  readonly #deps: ProviderDeps;
  readonly #secrets: SecretStore;
  readonly #providers = new Map<string, Provider>();
  readonly #references = new Map<string, string[]>();
  #versions = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  /** Set by startPolling: the gateway's log, which hears when a rotated secret rebuilt a provider. */
  #log: ((line: string) => void) | undefined;

  constructor(configs: Record<string, ProviderConfig>, deps: ProviderDeps, secrets: SecretStore) {
    this.#configs = new Map(Object.entries(configs));
    this.#deps = deps;
    this.#secrets = secrets;
    for (const [name, config] of this.#configs) {
      const refs = secretReferences(config);
      if (refs.length > 0) this.#references.set(name, refs);
      else this.#providers.set(name, createProvider(name, config, deps));
    }
  }

  get(name: string): Provider | undefined {
    return this.#providers.get(name);
  }

  /** Names of secrets the configuration needs that are not stored yet. */
  async load(): Promise<string[]> {
    this.#versions = await this.#secrets.versions(this.#allReferences());
    await this.#build([...this.#references.keys()]);
    return this.#allReferences().filter((name) => !this.#versions.has(name));
  }

  /** Rebuilds the providers whose secrets changed since the last look. */
  async refresh(): Promise<void> {
    if (this.#references.size === 0) return;
    const versions = await this.#secrets.versions(this.#allReferences());
    const changed = [...this.#references].filter(([, refs]) =>
      refs.some((ref) => versions.get(ref) !== this.#versions.get(ref)),
    );
    this.#versions = versions;
    await this.#build(changed.map(([name]) => name));
    if (this.#log)
      for (const [name] of changed) this.#log(`Provider ${name} rebuilt: a secret it uses changed.`);
  }

  startPolling(intervalMs: number, log: (line: string) => void): void {
    if (this.#references.size === 0) return;
    this.#log = log;
    this.#timer = setInterval(
      () =>
        this.refresh().catch((err) => log(`refreshing provider secrets failed: ${(err as Error).message}`)),
      intervalMs,
    );
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  #allReferences(): string[] {
    return [...new Set([...this.#references.values()].flat())];
  }

  async #build(names: string[]): Promise<void> {
    for (const name of names) {
      const refs = this.#references.get(name)!;
      const values = await this.#secrets.reveal(refs);
      const missing = refs.filter((ref) => !values.has(ref));
      this.#providers.set(
        name,
        missing.length > 0
          ? unavailableProvider(name, missing)
          : createProvider(name, withSecrets(this.#configs.get(name)!, values), this.#deps),
      );
    }
  }
}

/** Stands in for a provider whose secret is not stored yet: every call fails over with a clear reason. */
function unavailableProvider(name: string, missing: string[]): Provider {
  const fail = async (): Promise<never> => {
    throw new GatehouseError(
      'GH_UPSTREAM_AUTH',
      `${name}: the secret "${missing[0]}" is not stored; add it with PUT /admin/secrets/${missing[0]}.`,
      { provider: name, retryable: true },
    );
  };
  return { name, dialect: 'mock', complete: fail, stream: fail, embed: fail, countTokens: fail };
}
