// A PATCH takes a GET's answer back whole: fields that cannot change are accepted when they still
// hold the current value, and refused naming the field when they do not.
import { GatehouseError } from '../core/errors/index.ts';

const sameValue = (current: unknown, given: unknown) => {
  if (current === given) return true;
  // Times may come back in another ISO form (offset, no milliseconds): compare the instants.
  return (
    typeof current === 'string' &&
    typeof given === 'string' &&
    !Number.isNaN(Date.parse(current)) &&
    Date.parse(current) === Date.parse(given)
  );
};

export function checkUnchanged(
  kind: string,
  view: Record<string, unknown>,
  given: Record<string, unknown>,
  why: Record<string, string> = {},
): void {
  for (const [field, value] of Object.entries(given)) {
    if (value === undefined || sameValue(view[field], value)) continue;
    throw new GatehouseError(
      'GH_INVALID_REQUEST',
      `${field}: a ${kind}'s ${field} cannot be changed${why[field] ? `; ${why[field]}` : ''}`,
      { param: field },
    );
  }
}
