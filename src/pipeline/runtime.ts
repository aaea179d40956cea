// The pipeline of a gateway process: its stages, composed once at start, and what routes need
// besides (the model list a caller may see).
import type { BodyLogging, GatehouseConfig } from '../config/schema.ts';
import type { Principal } from '../governance/index.ts';
import {
  type FailoverSettings,
  RequestFacts,
  Router,
  type RoutingState,
  type Target,
  TargetResolver,
} from '../routing/index.ts';
import type { ProviderLookup } from '../routing/targets.ts';
import type { Admitter } from './admit.ts';
import { mayUse, type TargetPolicy } from './authorise.ts';
import { endUnanswered, truthfulAnswer } from './call.ts';
import type { RequestContext } from './context.ts';
import { type Answer, compose, type Exchange } from './stage.ts';
import { pipelineStages, type StageSlots } from './stages.ts';

export class Pipeline {
  /** Runs an exchange through every stage, in the order stages.ts declares. */
  readonly run: (ex: Exchange) => Promise<Answer>;
  /** The configured models and their targets. */
  readonly targets: TargetResolver;
  /** Experiments, rules and strategies over those targets. */
  readonly router: Router;
  readonly #providerTypes: ReadonlyMap<string, string>;
  readonly #policy: TargetPolicy;
  readonly #bodyLogging: BodyLogging;

  constructor(
    config: GatehouseConfig,
    providers: ProviderLookup,
    admitter: Admitter,
    slots: StageSlots = {},
    /** What routing has learnt (breakers, latency, in flight): pass the previous one on a reload. */
    routing?: RoutingState,
  ) {
    const targets = new TargetResolver(config, providers, routing);
    this.targets = targets;
    const prices = admitter.prices;
    const router = new Router(config, targets, (type, model, input, output) =>
      prices.worstCase(type, model, input, output),
    );
    this.router = router;
    this.#providerTypes = new Map(Object.entries(config.providers).map(([name, p]) => [name, p.type]));
    this.#policy = {
      resolve: (model) => router.resolve(model),
      route: (ex) => routeOf(router, ex),
      providerRegions: new Map(Object.entries(config.providers).map(([name, p]) => [name, p.regions ?? []])),
    };
    this.#bodyLogging = config.logging.bodies;
    const failover: FailoverSettings = {
      maxRetryWaitMs: config.routing.max_retry_wait_ms,
      backoffBaseMs: config.routing.backoff_base_ms,
    };
    // Only plugged-in stages can replace an answer or drop a stream: without any, the backstops
    // that catch them would be work for nothing on every request.
    const plugged = Object.values(slots).some((list) => list.length > 0);
    const stages = compose(
      pipelineStages(
        {
          bodyLogging: (ctx) => this.bodyLogging(ctx),
          policy: this.#policy,
          admitter,
          providerType: (name) => this.providerType(name),
          failover,
          backstops: plugged,
          shadowCost: (type, model, usage) => prices.cost(type, model, usage),
        },
        slots,
      ),
    );
    if (!plugged) {
      this.run = stages;
      return;
    }
    this.run = async (ex) => {
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = truthfulAnswer(ex, await stages(ex));
        return answer;
      } catch (err) {
        failure = err;
        throw err;
      } finally {
        await endUnanswered(ex, answer, failure);
      }
    };
  }

  /** What the request log keeps of this caller's bodies. */
  bodyLogging(ctx: RequestContext): BodyLogging {
    return ctx.principal?.logBodies ?? this.#bodyLogging;
  }

  providerType(name: string | undefined): string | undefined {
    return name === undefined ? undefined : this.#providerTypes.get(name);
  }

  /** The configured model names this caller may use (its model rules and region applied). */
  modelsFor(principal: Principal | undefined): string[] {
    return this.router.modelNames().filter((model) => mayUse(this.#policy, principal, model));
  }
}

/** A request's targets: at once when nothing about it matters, else from what it is and who sent it. */
function routeOf(router: Router, ex: Exchange): readonly Target[] {
  const model = ex.request.model;
  const fixed = router.fixed(model);
  if (fixed) return fixed;
  const { ctx } = ex;
  const principal = ctx.principal;
  const facts = new RequestFacts({
    caller: {
      keyId: principal?.keyId,
      keyName: principal?.keyName,
      teamId: principal?.teamId,
      userId: principal?.userId,
      master: principal?.kind === 'master',
    },
    headers: ctx.headers,
    tags: ctx.record.tags,
    chat: ex.operation === 'embeddings' ? undefined : ex.request,
  });
  const choice = router.choose(model, facts, ctx.record);
  if (choice.shadow && ex.operation === 'chat') ex.shadow = choice.shadow;
  return choice.targets;
}
