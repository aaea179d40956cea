// json_schema: the answer must be JSON that fits a schema — the guardrail's own, or the one the
// caller asked for in response_format. zod 4 builds a validator from a JSON Schema (no new
// dependency); validators are kept per schema, since a caller sends the same schema every time.
import { z } from 'zod';
import type { JudgeContext, Judgement } from './judgement.ts';

const validators = new Map<string, z.ZodType>();

function validatorFor(schema: Record<string, unknown>): z.ZodType {
  const key = JSON.stringify(schema);
  let validator = validators.get(key);
  if (!validator) {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    if (validators.size >= 1_000) validators.clear();
    validators.set(key, validator);
  }
  return validator;
}

export function schemaValidator(
  configured: Record<string, unknown> | undefined,
): (text: string, ctx: JudgeContext) => Judgement {
  // Built at start so that a schema zod cannot read fails `config check`, not a request.
  if (configured) validatorFor(configured);
  return (text, ctx) => {
    const schema = configured ?? ctx.requestSchema;
    if (!schema) return { flagged: false, entities: [] };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { flagged: true, entities: ['invalid_json'] };
    }
    let validator: z.ZodType;
    try {
      validator = validatorFor(schema);
    } catch {
      // A caller's schema zod cannot read is not the answer's fault: nothing to check it against.
      return { flagged: false, entities: [], failed: true };
    }
    return validator.safeParse(value).success
      ? { flagged: false, entities: [] }
      : { flagged: true, entities: ['schema_mismatch'] };
  };
}
