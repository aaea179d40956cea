// Request bodies of the admin API; strict, so an unknown field is a 400 naming it.
import { z } from 'zod';

const name = z.string().min(1).max(200);
const models = z.array(z.string().min(1).max(200)).max(500);
const metadata = z.record(z.string().max(200), z.string().max(2000));
const isoDate = z.iso.datetime({
  offset: true,
  message: 'expected an ISO 8601 date-time, e.g. 2026-12-31T00:00:00Z',
});

export const teamInput = z.strictObject({ name, models: models.optional(), metadata: metadata.optional() });
export const userInput = z.strictObject({
  name,
  email: z.email().optional(),
  teams: z.array(name).max(100).optional(),
  models: models.optional(),
  metadata: metadata.optional(),
});
export const keyInput = z.strictObject({
  name,
  team: name,
  user: name.optional(),
  models: models.optional(),
  metadata: metadata.optional(),
  expires_at: isoDate.optional(),
});
export const rotateInput = z.strictObject({
  overlap_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(3600),
});
