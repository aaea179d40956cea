// Which guardrails a call passes: the org-wide defaults (no key, team or user can remove them), the
// model's, and those the caller's key, team and user name — a union, in that order, each once.
import type { GatehouseConfig } from '../config/schema.ts';
import type { Principal } from '../governance/index.ts';
import { buildCheck, type Check, type CheckDeps } from './checks.ts';

type Side = 'request' | 'answer';

const sides: Record<Side, readonly string[]> = {
  request: ['input', 'tool_results'],
  answer: ['output', 'tool_args'],
};

export class GuardrailPolicy {
  readonly #checks = new Map<string, Check>();
  readonly #defaults: readonly string[];
  readonly #models = new Map<string, readonly string[]>();
  /** Resolved lists per model and principal's names: principals repeat, so each list is built once. */
  readonly #resolved = new Map<string, readonly Check[]>();

  constructor(config: GatehouseConfig, deps: CheckDeps) {
    for (const [name, guardrail] of Object.entries(config.guardrails))
      this.#checks.set(name, buildCheck(name, guardrail, deps));
    this.#defaults = config.default_guardrails;
    for (const [name, model] of Object.entries(config.models))
      if (model.guardrails?.length) this.#models.set(name, model.guardrails);
  }

  /** Whether any configured guardrail looks at this side: a side none does needs no stage. */
  covers(side: Side): boolean {
    return [...this.#checks.values()].some((c) => sides[side].some((p) => c.phases.has(p as never)));
  }

  names(): string[] {
    return [...this.#checks.keys()];
  }

  check(name: string): Check | undefined {
    return this.#checks.get(name);
  }

  checksFor(model: string, principal: Principal | undefined, side: Side): readonly Check[] {
    const own = principal?.guardrails ?? [];
    const key = `${side}\u0000${model}\u0000${own.join(',')}`;
    let list = this.#resolved.get(key);
    if (!list) {
      const names = new Set([...this.#defaults, ...(this.#models.get(model) ?? []), ...own]);
      // A name a key still carries after it left the configuration is skipped: the admin API refuses
      // unknown names, so this is a guardrail an operator removed.
      list = [...names]
        .map((name) => this.#checks.get(name))
        .filter((c): c is Check => c !== undefined && sides[side].some((p) => c.phases.has(p as never)));
      if (this.#resolved.size >= 10_000) this.#resolved.clear();
      this.#resolved.set(key, list);
    }
    return list;
  }
}
