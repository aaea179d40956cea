// The authorise stage: may this caller use this model, and which of its targets? A caller pinned to a
// data-residency region keeps only the targets whose provider serves from that region.
import { GatehouseError } from '../core/errors/index.ts';
import { authorizeModel, type Principal } from '../governance/index.ts';
import type { Target } from '../routing/index.ts';
import type { Answer, Exchange, Stage } from './stage.ts';

export interface TargetPolicy {
  /** A model's targets without a request: what GET /v1/models checks. */
  resolve(model: string): readonly Target[];
  /** A request's targets, in the order to try them (experiments, rules and strategy applied). */
  route(ex: Exchange): readonly Target[];
  /** The provider names that serve from a region. */
  providerRegions: ReadonlyMap<string, readonly string[]>;
}

export function authoriseStage(policy: TargetPolicy): Stage {
  return {
    name: 'authorise',
    run(ex: Exchange, next: () => Promise<Answer>): Promise<Answer> {
      const model = ex.request.model;
      const principal = ex.ctx.principal;
      if (principal) authorizeModel(principal, model);
      ex.targets = inRegion(policy, principal, model, policy.route(ex));
      return next();
    },
  };
}

export function inRegion(
  policy: TargetPolicy,
  principal: Principal | undefined,
  model: string,
  targets: readonly Target[],
): readonly Target[] {
  const region = principal?.region;
  if (region === undefined) return targets;
  const allowed = targets.filter((t) => policy.providerRegions.get(t.providerName)?.includes(region));
  if (allowed.length === 0)
    throw new GatehouseError(
      'GH_REGION_NOT_ALLOWED',
      `Your team is pinned to the data-residency region "${region}", and no provider of "${model}" serves from it.`,
    );
  return allowed;
}

/** Whether a caller may use a model: what `GET /v1/models` lists. */
export function mayUse(policy: TargetPolicy, principal: Principal | undefined, model: string): boolean {
  if (!principal) return true;
  try {
    authorizeModel(principal, model);
    inRegion(policy, principal, model, policy.resolve(model));
    return true;
  } catch {
    return false;
  }
}
