// A key, team or user may attach only guardrails the configuration declares: a typo would otherwise
// be a guardrail that silently never runs.
import { GatehouseError } from '../core/errors/index.ts';
import type { AdminDeps } from './deps.ts';

export function checkGuardrailNames(deps: AdminDeps, names: readonly string[] | null | undefined): void {
  if (!names) return;
  const known = deps.guardrails ?? [];
  names.forEach((name, i) => {
    if (!known.includes(name))
      throw new GatehouseError(
        'GH_INVALID_REQUEST',
        `guardrails[${i}]: unknown guardrail "${name}" (configured: ${known.join(', ') || 'none'})`,
        { param: `guardrails[${i}]` },
      );
  });
}
