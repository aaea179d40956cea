// The pipeline of a gateway process: its stages, composed once at start, and what routes need
// besides (the model list a caller may see).
import type { BodyLogging, GatehouseConfig } from '../config/schema.ts';
import type { Principal } from '../governance/index.ts';
import { type FailoverSettings, TargetResolver } from '../routing/index.ts';
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
  readonly #providerTypes: ReadonlyMap<string, string>;
  readonly #policy: TargetPolicy;
  readonly #bodyLogging: BodyLogging;

  constructor(
    config: GatehouseConfig,
    providers: ProviderLookup,
    admitter: Admitter,
    slots: StageSlots = {},
  ) {
    const targets = new TargetResolver(config, providers);
    this.targets = targets;
    this.#providerTypes = new Map(Object.entries(config.providers).map(([name, p]) => [name, p.type]));
    this.#policy = {
      resolve: (model) => targets.resolve(model),
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
    return this.targets.modelNames().filter((model) => mayUse(this.#policy, principal, model));
  }
}
