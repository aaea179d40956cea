// `reload:` — how a running gateway takes a new configuration: from the watched file or from the
// database, and optionally through a canary that must do no worse than the version it replaces.
import { z } from 'zod';

const ratio = (fallback: number, what: string) =>
  z
    .number()
    .min(1)
    .max(100)
    .default(fallback)
    .describe(`The candidate may be up to this many times the current version's ${what}.`);

export const canarySchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Off by default: a new version serves all traffic at once.'),
    percent: z
      .number()
      .gt(0)
      .max(100)
      .default(10)
      .describe('Share of model requests the new version serves while on trial.'),
    sticky_by: z
      .enum(['request', 'key'])
      .default('request')
      .describe(
        'What the slice is hashed by: each request id, or the caller key (a key stays on one version).',
      ),
    window_s: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(300)
      .describe('Both versions are measured over this window before the verdict.'),
    min_requests: z
      .number()
      .int()
      .min(1)
      .default(20)
      .describe('The trial goes on past the window until the new version has served this many requests.'),
    max_error_rate_increase: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe("Added to the current version's error rate (5xx answers per request) before comparing."),
    max_p95_ratio: ratio(1.2, 'p95 latency'),
    max_cost_ratio: ratio(1.1, 'mean cost per request'),
  })
  .describe(
    'A new version first serves a hashed slice of traffic, and is promoted or rolled back on its numbers.',
  );

export const reloadSchema = z
  .strictObject({
    source: z
      .enum(['file', 'database'])
      .default('file')
      .describe(
        'Where the configuration lives: the file (watched; the default), or the database (PUT /admin/config; the file only seeds it). GATEHOUSE_CONFIG_SOURCE overrides.',
      ),
    watch: z
      .boolean()
      .default(true)
      .describe('Watch the file and apply it when it changes (SIGHUP applies it too).'),
    debounce_ms: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(300)
      .describe('Changes to the file within this time are applied together, once the editor is done.'),
    poll_s: z
      .number()
      .min(0.1)
      .max(5)
      .default(1)
      .describe('With the database as the source: how often each replica looks for a new version.'),
    canary: canarySchema.prefault({}),
  })
  .describe('How a running gateway takes a new configuration: docs/config-reload.md.');

export type ReloadConfig = z.output<typeof reloadSchema>;
export type CanaryConfig = z.output<typeof canarySchema>;
