// Whose call a judge's call counts as: the team `quality.judge_team` names (by id or name), with
// the budget and rate limits set on it through the admin API (PUT /admin/teams/<team>/rules), so
// that the pipeline's admission stops judging when that budget is spent — shared by replicas like
// every budget. Read from the store at most every few seconds, never per judgement.
import type { Kysely } from 'kysely';
import { masterPrincipal, type Principal } from '../governance/index.ts';
import type { Schema } from '../store/index.ts';

/** How long the team's rules are reused: a budget set or removed applies within this. */
const reuseMs = 5_000;

export class JudgePrincipal {
  readonly #db: Kysely<Schema>;
  #known: { team: string; until: number; principal: Principal } | undefined;

  constructor(db: Kysely<Schema>) {
    this.#db = db;
  }

  /**
   * The judge team's principal. A team that does not exist (yet) is a bare name, as before there
   * were rules: its calls are recorded under it, with no budget. While the store does not answer,
   * the last known principal is used.
   */
  async of(team: string): Promise<Principal> {
    const known = this.#known;
    if (known && known.team === team && known.until > Date.now()) return known.principal;
    try {
      const principal = await this.#lookUp(team);
      this.#known = { team, until: Date.now() + reuseMs, principal };
      return principal;
    } catch (err) {
      if (known && known.team === team) return known.principal;
      throw err;
    }
  }

  async #lookUp(team: string): Promise<Principal> {
    const row = await this.#db
      .selectFrom('teams')
      .select(['id', 'name'])
      .where((eb) => eb.or([eb('id', '=', team), eb('name', '=', team)]))
      .orderBy('created_at')
      .executeTakeFirst();
    if (!row) return { ...masterPrincipal, teamId: team };
    const [budgets, limits] = await Promise.all([
      this.#db
        .selectFrom('budgets')
        .selectAll()
        .where('scope', '=', 'team')
        .where('scope_id', '=', row.id)
        .execute(),
      this.#db
        .selectFrom('limits')
        .selectAll()
        .where('scope', '=', 'team')
        .where('scope_id', '=', row.id)
        .execute(),
    ]);
    return {
      ...masterPrincipal,
      teamId: row.id,
      budgets: budgets.map((b) => ({
        scope: 'team' as const,
        id: row.id,
        name: row.name,
        limitMicros: Number(b.limit_micros),
        period: b.period,
        softThreshold: b.soft_threshold ?? undefined,
      })),
      limits: limits.map((l) => ({
        scope: 'team' as const,
        id: row.id,
        name: row.name,
        rpm: l.rpm ?? undefined,
        tpm: l.tpm ?? undefined,
        concurrency: l.concurrency ?? undefined,
      })),
    };
  }
}
