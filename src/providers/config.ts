// The configuration pieces every provider type shares. Each provider folder declares its own
// config schema from these; `config/schema.ts` joins them into gatehouse.yaml's providers map.
import { z } from 'zod';

/** A name used as a key in gatehouse.yaml (a provider, a region). */
export const configName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'use letters, digits and . _ : - only');

const positiveMs = z.number().int().positive().max(3_600_000);

export const timeoutsSchema = z
  .strictObject({
    connect_ms: positiveMs.optional().describe('TCP/TLS connection set-up (default 10000).'),
    first_byte_ms: positiveMs
      .optional()
      .describe(
        'Until the upstream answers: response headers, and for streams the first event; also the longest silence between stream chunks (default 120000).',
      ),
    total_ms: positiveMs.optional().describe('One whole attempt, first byte to last (default 600000).'),
  })
  .describe('Timeouts for upstream calls. Set on a provider, a model or a target; the most specific wins.');

export const httpUrl = z.url({ protocol: /^https?$/ });

const headers = z.record(z.string(), z.string()).describe('Extra headers sent upstream with every request.');

/** Fields every provider type accepts, spread into each type's schema. */
export const providerCommonFields = {
  headers: headers.optional(),
  timeouts: timeoutsSchema.optional(),
  regions: z
    .array(configName)
    .optional()
    .describe(
      'Data-residency regions this provider serves from; a team pinned to a region uses only providers tagged with it.',
    ),
};
