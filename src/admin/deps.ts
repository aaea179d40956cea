// What the admin API's handlers are given.
import type { IncomingMessage } from 'node:http';
import type { Kysely } from 'kysely';
import type { Approvals } from '../approvals/index.ts';
import type { Authenticator, Governor, Identity, SecretStore, SessionStore } from '../governance/index.ts';
import type { McpGateway } from '../mcp/index.ts';
import type { RoutingState } from '../routing/index.ts';
import type { RunGuard } from '../runs/index.ts';
import type { ConfigVersionsTable, Schema } from '../store/schema.ts';
import type { EventStores } from '../telemetry/index.ts';
import type { DriftReport } from '../drift/index.ts';
import type { ExperimentConfig, GatehouseConfig } from '../config/schema.ts';
import type { AlertPayload, AlertState } from '../telemetry/index.ts';

export interface AdminDeps {
  db: Kysely<Schema>;
  auth: Authenticator;
  /** Console sign-ins (docs/sso.md). */
  sessions: SessionStore;
  /** Sign-in with the configured OIDC issuers; undefined when none is configured. */
  oidc?: OidcSignIn;
  /** auth.public_url: the gateway's address as browsers reach it (the OIDC redirect URI's base). */
  publicUrl?: string;
  timeZone: string;
  secrets: SecretStore;
  /** The live providers: rebuilt when a secret they use changes. */
  providers: { refresh(): Promise<void> };
  /**
   * Reads a request's JSON body within limits: the server's reader, handed in so that the admin API,
   * which the server routes to, does not import the server.
   */
  readJson(req: IncomingMessage, limits: { maxBytes: number; maxDepth: number }): Promise<unknown>;
  /** Budgets: settled spend is flushed before a spend report reads it. */
  governor: Governor;
  /** Request-event stores: the default one and one per data-residency region. */
  events: EventStores;
  /** Data-residency regions in the configuration; a team may be pinned only to one of these. */
  regions: readonly string[];
  /** Live counters of agent runs, shown beside a run's timeline. */
  runs?: RunGuard;
  /** Tool calls waiting for a person's decision. */
  approvals?: Approvals;
  /** The MCP gateway, when servers are configured: an approved tool is announced to its sessions. */
  mcp?: McpGateway;
  /** What routing knows of each target (breakers, latency, in flight): GET /admin/targets. */
  routing: RoutingState;
  /** The response cache, when configured: purged by DELETE /admin/cache. */
  cache?: { purge(filter: { model?: string; team?: string }): Promise<number> } | undefined;
  /** Drift detection, when configured: GET /admin/drift (src/drift). */
  drift?: { readonly report: DriftReport; check(): Promise<DriftReport> } | undefined;
  /** The semantic cache, when configured: its calibration report (GET /admin/cache/calibration). */
  semanticCache?:
    | {
        threshold: number;
        calibrationRate: number;
        calibrationReport(): Array<{
          model: string;
          team: string;
          samples: number;
          falseHits: number;
          meanSimilarity: number;
          meanFalseHitSimilarity: number | null;
        }>;
      }
    | undefined;
  /** Guardrail names in the configuration: a key, team or user may name only these. */
  guardrails?: readonly string[];
  /** The live configuration (docs/config-reload.md): what serves, and changes through the API. */
  config: ConfigAdmin;
  /** The stored configuration versions, newest first. */
  versions: {
    list(page: { limit: number; before?: number }): Promise<ConfigVersionsTable[]>;
    get(id: number): Promise<ConfigVersionsTable>;
  };
  /** Alerting: GET /admin/alerts and its history (telemetry/alerts.ts). */
  alerts: AlertsAdmin;
  /** The serving version's experiments (a reload changes them): GET /admin/experiments. */
  experiments(): Record<string, ExperimentConfig>;
}

/** The alert rules as started (alerts are read once at start), and the live alerts if any. */
export interface AlertsAdmin {
  settings: GatehouseConfig['alerts'];
  /** The webhook's host; null when none is configured, and alerting is then off. */
  channel: string | null;
  /** Drift detection is configured, and raises its own alerts. */
  drift: boolean;
  live?:
    | {
        states(): { startedAt: number; alerts: AlertState[] };
        test(actor: string): Promise<AlertPayload>;
      }
    | undefined;
}

/** What a change of configuration answers. */
export interface ConfigChange {
  outcome: 'applied' | 'canary' | 'unchanged' | 'refused';
  version: string;
  problems?: string[];
  restart_required?: string[];
}

export interface ConfigAdmin {
  /** GET /admin/config's answer (the server's view; its schema is in routes/config.ts). */
  status(): unknown;
  put(text: string, actor: string): Promise<ConfigChange>;
  rollback(id: number, actor: string): Promise<ConfigChange>;
}

/** The authorization-code flow with the configured issuers (governance/sso/oidc.ts). */
export interface OidcSignIn {
  providers(): { name: string; label: string }[];
  /** Where to send the browser, and the signed cookie that carries the flow's state to the callback. */
  start(provider: string, redirectUri: string, returnTo: string): Promise<{ location: string; flow: string }>;
  /** Checks the callback against the flow, redeems the code and maps the ID token's claims. */
  finish(
    flow: string | undefined,
    query: { code?: string | undefined; state?: string | undefined; error?: string | undefined },
    redirectUri: string,
  ): Promise<{ identity: Identity; returnTo: string }>;
}
