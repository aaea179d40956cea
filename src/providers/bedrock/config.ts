import { z } from 'zod';
import { httpUrl, providerCommonFields } from '../config.ts';

export const bedrockConfigSchema = z
  .strictObject({
    type: z.literal('bedrock'),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1'),
    base_url: httpUrl.optional().describe('Overrides https://bedrock-runtime.{region}.amazonaws.com'),
    access_key_id: z.string().optional(),
    secret_access_key: z.string().optional(),
    session_token: z.string().optional(),
    api_key: z
      .string()
      .optional()
      .describe('A Bedrock API key, sent as a bearer token instead of SigV4 signing.'),
    ...providerCommonFields,
  })
  .refine(
    (p) => p.api_key !== undefined || (p.access_key_id !== undefined && p.secret_access_key !== undefined),
    { message: 'bedrock needs api_key, or access_key_id and secret_access_key' },
  );

export type BedrockConfig = z.output<typeof bedrockConfigSchema>;
