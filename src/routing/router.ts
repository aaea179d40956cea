// From the model name a caller asked for to the targets to try, in order: an experiment may first
// swap the name for one of its variants; the model's rules may pick another target set; then the
// strategy orders the set. Built once per configuration; what it learns lives in the TargetResolver's
// RoutingState, which outlives it.
import type { GatehouseConfig } from '../config/schema.ts';
import { type Condition, compileCondition } from './conditions.ts';
import { Experiment } from './experiments.ts';
import { healthChecksOf } from './health.ts';
import type { RequestFacts } from './facts.ts';
import { type PriceEstimate, Route } from './route.ts';
import type { HealthSettings, Target, TargetResolver } from './targets.ts';

interface ModelRoute {
  route: Route;
  rules: ReadonlyArray<{ when: Condition; route: Route }>;
  /** Nothing about a request changes its targets: ordered, no rules. */
  fixed: boolean;
}

/** Where the experiment's choice is written: the request's record. */
export interface VariantNote {
  experiment?: string;
  variant?: string;
}

export interface RouteChoice {
  targets: readonly Target[];
  /** The model whose targets these are, when an experiment swapped the name. */
  model: string;
  /** Mirror the request to this model in the background. */
  shadow?: ShadowPlan;
}

/** Where an experiment mirrors a request: another model's targets, in the background. */
export interface ShadowPlan {
  model: string;
  targets: readonly Target[];
  experiment: string;
}

export class Router {
  readonly resolver: TargetResolver;
  readonly #models = new Map<string, ModelRoute>();
  readonly #experiments = new Map<string, Experiment>();

  constructor(config: GatehouseConfig, resolver: TargetResolver, price?: PriceEstimate) {
    this.resolver = resolver;
    const routeOf = (name: string) => this.#models.get(name)?.route;
    for (const [name, model] of Object.entries(config.models)) {
      const options = { exploration: model.exploration, ...(price ? { price } : {}) };
      const route = new Route(resolver.resolve(name), model.strategy, options);
      this.#models.set(name, {
        route,
        rules: [],
        fixed: route.strategy === 'ordered' && !model.rules?.length,
      });
    }
    // Rules may name other models: built once every model's own route exists.
    for (const [name, model] of Object.entries(config.models)) {
      if (!model.rules?.length) continue;
      const options = { exploration: model.exploration, ...(price ? { price } : {}) };
      const rules = model.rules.map((rule) => ({
        when: compileCondition(rule.when),
        route:
          rule.model !== undefined
            ? routeOf(rule.model)!
            : new Route(resolver.targetsOf(model, rule.targets!), model.strategy, options),
      }));
      const entry = this.#models.get(name)!;
      this.#models.set(name, { ...entry, rules });
    }
    for (const [name, experiment] of Object.entries(config.experiments))
      this.#experiments.set(experiment.model, new Experiment(name, experiment));
    // This configuration's health checks replace the last one's (none: the checks stop).
    const checked: Array<{ target: Target; settings: HealthSettings }> = [];
    for (const { route, rules } of this.#models.values())
      for (const r of [route, ...rules.map((rule) => rule.route)])
        for (const target of r.targets) if (target.health) checked.push({ target, settings: target.health });
    healthChecksOf(resolver.state).watch(checked);
  }

  /**
   * The targets of a model when nothing about the request can change them (no experiment, no rules,
   * the ordered strategy): the request path then needs no facts and allocates nothing. Undefined
   * when `choose` must decide. Throws GH_MODEL_NOT_FOUND for an unknown name.
   */
  fixed(model: string): readonly Target[] | undefined {
    if (this.#experiments.size > 0 && this.#experiments.has(model)) return undefined;
    const entry = this.#models.get(model);
    if (!entry) return this.resolver.resolve(model);
    return entry.fixed ? entry.route.targets : undefined;
  }

  choose(model: string, facts: RequestFacts, note: VariantNote, now = performance.now()): RouteChoice {
    const experiment = this.#experiments.get(model);
    if (!experiment) return { targets: this.#ordered(model, facts, now), model };
    const variant = experiment.assign(facts);
    note.experiment = experiment.name;
    note.variant = variant.name;
    const choice: RouteChoice = { targets: this.#ordered(variant.model, facts, now), model: variant.model };
    if (experiment.shadow && experiment.mirrors())
      choice.shadow = {
        model: experiment.shadow.model,
        targets: this.#ordered(experiment.shadow.model, facts, now),
        experiment: experiment.name,
      };
    return choice;
  }

  #ordered(model: string, facts: RequestFacts, now: number): readonly Target[] {
    const entry = this.#models.get(model);
    if (!entry) return this.resolver.resolve(model);
    let route = entry.route;
    for (const rule of entry.rules) {
      if (rule.when(facts)) {
        route = rule.route;
        break;
      }
    }
    return route.order(now, route.needsCost ? facts : undefined);
  }

  /** The names callers may use: configured models, then experiments' names that are not models. */
  modelNames(): string[] {
    const names = this.resolver.modelNames();
    for (const name of this.#experiments.keys()) if (!this.#models.has(name)) names.push(name);
    return names;
  }

  /** A model's targets without a request (what GET /v1/models checks): an experiment's first variant. */
  resolve(model: string): readonly Target[] {
    const experiment = this.#experiments.get(model);
    return this.resolver.resolve(experiment ? experiment.variants[0]!.model : model);
  }
}
