// Online evaluators: a stage notes, for a sampled request only, the question and the answer's text
// (in memory, never stored); when the request has ended — its answer sent — the evaluations are
// queued and run off the request path, a bounded number at a time, and their scores stored beside
// feedback. A request that is not sampled costs a map lookup and a random draw; a gateway without
// evaluators has no stage and no subscription at all.
import type { Kysely } from 'kysely';
import type { EvaluatorConfig, GatehouseConfig, QualityConfig } from '../config/schema.ts';
import type { ChatRequest } from '../core/ir/index.ts';
import type { Lifecycle } from '../core/lifecycle/index.ts';
import type { RequestRecord } from '../core/records/index.ts';
import type { InternalCalls, Stage } from '../pipeline/index.ts';
import type { Schema } from '../store/index.ts';
import { type Check, deterministicCheck, judgePrompt, parseJudgeScore } from './checks.ts';
import { JudgePrincipal } from './judge-principal.ts';
import { recordScore, type ScoreInput, type ScoresStored } from './scores.ts';

interface Entry {
  name: string;
  config: EvaluatorConfig;
  rate: number;
  check: Check | undefined;
}

interface Pending {
  entries: Entry[];
  input: string;
  text: string[];
}

export interface QualityStats {
  sampled: number;
  queued: number;
  dropped: number;
  evaluated: number;
  errors: number;
  judgeSkippedBudget: number;
  judgeSpentUsd: number;
}

export interface QualityLoopDeps {
  db: Kysely<Schema>;
  lifecycle: Lifecycle;
  calls: InternalCalls;
  log(line: string): void;
  /** Told of the scores stored (the response cache's quality gate). */
  scoresStored?: ScoresStored;
}

const dayMs = 86_400_000;

/** One per gateway; each configuration version plugs its stage in through `stage(config)`. */
export class QualityLoop {
  readonly stats: QualityStats = {
    sampled: 0,
    queued: 0,
    dropped: 0,
    evaluated: 0,
    errors: 0,
    judgeSkippedBudget: 0,
    judgeSpentUsd: 0,
  };
  readonly #deps: QualityLoopDeps;
  readonly #pending = new WeakMap<RequestRecord, Pending>();
  readonly #queue: Array<() => Promise<void>> = [];
  #settings: QualityConfig | undefined;
  #running = 0;
  #unsubscribe: (() => void) | undefined;
  #idle: Array<() => void> = [];
  #spendDay = 0;
  readonly #judgeTeam: JudgePrincipal;

  constructor(deps: QualityLoopDeps) {
    this.#deps = deps;
    this.#judgeTeam = new JudgePrincipal(deps.db);
  }

  /** The stage for a configuration with evaluators; undefined when it has none (nothing is added). */
  stage(config: GatehouseConfig): Stage | undefined {
    if (Object.keys(config.evaluators).length === 0) return undefined;
    this.#settings = config.quality;
    this.#subscribe();
    const entry = (name: string): Entry => {
      const e = config.evaluators[name]!;
      return { name, config: e, rate: e.sample_rate, check: deterministicCheck(e) };
    };
    const byModel = new Map<string, Entry[]>();
    for (const [model, m] of Object.entries(config.models))
      if (m.evaluators?.length) byModel.set(model, m.evaluators.map(entry));
    const byTeam = new Map<string, Entry[]>();
    for (const [name, e] of Object.entries(config.evaluators))
      for (const team of e.teams ?? []) byTeam.set(team, [...(byTeam.get(team) ?? []), entry(name)]);
    const pending = this.#pending;
    const stats = this.stats;
    const maxChars = config.quality.max_answer_chars;
    return {
      name: 'evaluators',
      async run(ex, next) {
        if (ex.operation !== 'chat' || ex.ctx.internal) return next();
        const forModel = byModel.get(ex.request.model);
        const team = ex.ctx.principal?.teamId;
        const forTeam = team === undefined ? undefined : byTeam.get(team);
        if (forModel === undefined && forTeam === undefined) return next();
        const entries = sample(forModel, sample(forTeam, undefined));
        if (entries === undefined) return next();
        stats.sampled++;
        const answer = await next();
        const noted: Pending = { entries, input: questionText(ex.request as ChatRequest), text: [] };
        let kept = 0;
        const keep = (t: string) => {
          if (kept >= maxChars) return;
          noted.text.push(t.slice(0, maxChars - kept));
          kept += t.length;
        };
        if (answer.kind === 'result') {
          for (const part of answer.result.response.content) if (part.type === 'text') keep(part.text);
        } else if (answer.kind === 'stream') {
          answer.stream.tap((chunk) => {
            for (const part of chunk.parts) if (part.type === 'text') keep(part.text);
          });
        } else return answer;
        pending.set(ex.ctx.record, noted);
        return answer;
      },
    };
  }

  /** Resolves once the queue is empty and nothing runs (tests, shutdown). */
  drained(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #subscribe(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#deps.lifecycle.subscribe({
      requestEnded: ({ record }) => {
        if (record.surface === 'internal') {
          if (record.route.startsWith('internal:evaluator:') && record.costUsd) this.#spend(record.costUsd);
          return;
        }
        const noted = this.#pending.get(record);
        if (noted === undefined) return;
        this.#pending.delete(record);
        // Only answers that reached the caller are scored.
        if (record.status !== 200) return;
        this.#enqueue(() => this.#evaluate(record, noted));
      },
    });
  }

  #enqueue(job: () => Promise<void>): void {
    const settings = this.#settings!;
    if (this.#queue.length >= settings.queue) {
      this.stats.dropped++;
      return;
    }
    this.stats.queued++;
    this.#queue.push(job);
    this.#pump();
  }

  #pump(): void {
    const limit = this.#settings?.concurrency ?? 1;
    while (this.#running < limit && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      this.#running++;
      // Off the request path: the next turn of the event loop, after the answer's last write.
      setImmediate(() => {
        job()
          .catch((err: unknown) => {
            this.stats.errors++;
            this.#deps.log(`An evaluation failed: ${(err as Error).message}`);
          })
          .finally(() => {
            this.#running--;
            this.#pump();
            if (this.#running === 0 && this.#queue.length === 0) for (const f of this.#idle.splice(0)) f();
          });
      });
    }
  }

  async #evaluate(record: RequestRecord, noted: Pending): Promise<void> {
    const text = noted.text.join('');
    const meta = scoreMeta(record);
    const scores: ScoreInput[] = [];
    for (const e of noted.entries) {
      let value: number | undefined;
      if (e.check) value = e.check(text);
      else if (e.config.type === 'llm_judge') value = await this.#judge(e.name, e.config, noted.input, text);
      if (value === undefined) continue;
      this.stats.evaluated++;
      scores.push({ ...meta, source: 'evaluator', name: e.name, value, tags: { type: e.config.type } });
    }
    if (scores.length > 0) await recordScore(this.#deps.db, scores, this.#deps.scoresStored);
  }

  async #judge(
    name: string,
    e: Extract<EvaluatorConfig, { type: 'llm_judge' }>,
    input: string,
    answer: string,
  ): Promise<number | undefined> {
    const settings = this.#settings!;
    this.#rollDay();
    if (this.stats.judgeSpentUsd >= settings.judge_budget_usd) {
      this.stats.judgeSkippedBudget++;
      return undefined;
    }
    const signal = AbortSignal.timeout(e.timeout_ms);
    try {
      // The judge team's budget and limits, admitted by the pipeline like any caller's.
      const principal = await this.#judgeTeam.of(settings.judge_team);
      const result = await this.#deps.calls.chat(
        {
          model: e.model,
          messages: [
            { role: 'user', content: [{ type: 'text', text: judgePrompt(e.rubric, input, answer) }] },
          ],
          maxTokens: 16,
          temperature: 0,
        },
        {
          purpose: `evaluator:${name}`,
          // The judge's spend is the gateway's own, under its system team.
          principal,
          signal,
        },
      );
      const reply = result.response.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
      const score = parseJudgeScore(reply);
      if (score === undefined)
        throw new Error(`the judge ${e.model} answered no score ("${reply.slice(0, 60)}")`);
      return score;
    } catch (err) {
      // The judge team's budget is spent (or its limit reached): skipped and counted, not an error.
      const code = (err as { code?: string }).code;
      if (code === 'GH_BUDGET_EXCEEDED' || code === 'GH_RATE_LIMITED') {
        this.stats.judgeSkippedBudget++;
        return undefined;
      }
      // One attempt, no retries: an outage costs a counted error per sampled answer, nothing more.
      this.stats.errors++;
      this.#deps.log(`The judge of evaluator ${name} failed: ${(err as Error).message}`);
      return undefined;
    }
  }

  #spend(usd: number): void {
    this.#rollDay();
    this.stats.judgeSpentUsd += usd;
  }

  #rollDay(): void {
    const day = Math.floor(Date.now() / dayMs);
    if (day !== this.#spendDay) {
      this.#spendDay = day;
      this.stats.judgeSpentUsd = 0;
    }
  }
}

/** Adds the evaluators drawn for this request to `into` (allocated only when one is drawn). */
function sample(from: Entry[] | undefined, into: Entry[] | undefined): Entry[] | undefined {
  if (from === undefined) return into;
  let out = into;
  for (const e of from)
    if (Math.random() < e.rate) {
      out ??= [];
      out.push(e);
    }
  return out;
}

/** The last user turn's text: what the judge is told was asked. */
function questionText(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const m = request.messages[i]!;
    if (m.role === 'user')
      return m.content
        .map((p) => (p.type === 'text' ? p.text : ''))
        .join('')
        .slice(0, 8000);
  }
  return '';
}

/** What a score copies from its request's record, so that rollups need no join. */
export function scoreMeta(record: RequestRecord) {
  const attempt = record.attempts.at(-1);
  return {
    requestId: record.requestId,
    eventId: record.eventId,
    teamId: record.teamId ?? null,
    keyId: record.keyId ?? null,
    model: record.model ?? null,
    provider: record.provider ?? null,
    target: attempt ? `${attempt.provider}/${attempt.model}` : null,
    experiment: record.experiment ?? null,
    variant: record.variant ?? null,
  };
}
