// What the cache does for one request: the mode and TTL from the configuration, the model's
// override and the caller's team and key rules, then what the request itself asks (Cache-Control,
// x-gatehouse-cache-ttl). docs/cache.md states the precedence.
import type { IncomingHttpHeaders } from 'node:http';
import { maxCacheTtlS, ttlSeconds } from '../config/cache.ts';
import type { CacheConfig, CacheMode, CacheScope, GatehouseConfig } from '../config/schema.ts';
import { GatehouseError } from '../core/errors/index.ts';
import type { Principal } from '../governance/index.ts';

export interface CachePlan {
  mode: 'exact' | 'semantic';
  scope: CacheScope;
  ttlS: number;
  /** False with `Cache-Control: no-cache`: the answer is fetched afresh (and stored). */
  lookup: boolean;
}

/** A team's or key's cache rule (the key's over its team's). */
export interface CacheRule {
  mode?: CacheMode | undefined;
  ttl?: number | undefined;
  scope?: CacheScope | undefined;
}

export class CachePolicy {
  readonly #config: CacheConfig;
  readonly #models: GatehouseConfig['models'];
  readonly #defaultMode: CacheMode;
  readonly #semantic: () => boolean;

  /** `semantic` says whether a semantic layer is attached (it may be attached after start). */
  constructor(config: GatehouseConfig & { cache: CacheConfig }, semantic: () => boolean) {
    this.#config = config.cache;
    this.#models = config.models;
    this.#semantic = semantic;
    this.#defaultMode = config.cache.mode ?? (config.cache.semantic ? 'semantic' : 'exact');
  }

  /**
   * The plan for a request, or undefined when it bypasses the cache (off, `no-store`, n > 1, or a
   * team pinned to a data-residency region: the cache's store is not the region's).
   */
  plan(
    model: string,
    choices: number | undefined,
    principal: Principal | undefined,
    headers: IncomingHttpHeaders,
  ): CachePlan | undefined {
    const override = this.#models[model]?.cache;
    let mode = override?.mode ?? this.#defaultMode;
    // A model that is off stays off; a team or key may otherwise choose for itself.
    const rule = principal?.cache;
    if (mode !== 'off' && rule?.mode !== undefined) mode = rule.mode;
    if (mode === 'off' || (choices !== undefined && choices > 1) || principal?.region) return undefined;
    const control = cacheControl(headers['cache-control']);
    if (control.noStore) return undefined;
    if (mode === 'semantic' && !this.#semantic()) mode = 'exact';
    const asked = headers['x-gatehouse-cache-ttl'];
    const configured =
      rule?.ttl ??
      (override?.ttl !== undefined ? ttlSeconds(override.ttl) : undefined) ??
      (mode === 'semantic' && this.#config.semantic?.ttl !== undefined
        ? ttlSeconds(this.#config.semantic.ttl)
        : undefined) ??
      ttlSeconds(this.#config.exact.ttl)!;
    return {
      mode,
      scope: rule?.scope ?? this.#config.scope,
      ttlS: asked === undefined ? configured : requestTtl(asked),
      lookup: !control.noCache,
    };
  }
}

function cacheControl(header: string | undefined): { noStore: boolean; noCache: boolean } {
  if (header === undefined) return { noStore: false, noCache: false };
  const directives = header
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  return { noStore: directives.includes('no-store'), noCache: directives.includes('no-cache') };
}

function requestTtl(value: string | string[]): number {
  const seconds = typeof value === 'string' ? ttlSeconds(value) : undefined;
  if (seconds === undefined || seconds > maxCacheTtlS) {
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `x-gatehouse-cache-ttl: expected seconds (1 to ${maxCacheTtlS}) or a duration such as 90s, 10m, 1h, 7d; got "${String(value).slice(0, 40)}".`,
      { param: 'x-gatehouse-cache-ttl' },
    );
  }
  return seconds;
}
