// What the admin API's handlers are given.
import type { Kysely } from 'kysely';
import type { Authenticator, Governor, SecretStore } from '../governance/index.ts';
import type { ProviderRegistry } from '../server/provider-registry.ts';
import type { Schema } from '../store/schema.ts';
import type { EventStores } from '../telemetry/event-stores.ts';

export interface AdminDeps {
  db: Kysely<Schema>;
  auth: Authenticator;
  timeZone: string;
  secrets: SecretStore;
  providers: ProviderRegistry;
  /** Budgets: settled spend is flushed before a spend report reads it. */
  governor: Governor;
  /** Request-event stores: the default one and one per data-residency region. */
  events: EventStores;
  /** Data-residency regions in the configuration; a team may be pinned only to one of these. */
  regions: readonly string[];
}
