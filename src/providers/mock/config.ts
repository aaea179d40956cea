import { z } from 'zod';
import { providerCommonFields } from '../config.ts';

export const mockConfigSchema = z.strictObject({
  type: z.literal('mock'),
  latency_ms: z.number().int().min(0).max(60_000).default(0).describe('Delay before answering.'),
  ...providerCommonFields,
});

export type MockConfig = z.output<typeof mockConfigSchema>;
