// The semantic layer behind the cache stage (cache/semantic-layer.ts): embeds a request's last user
// turn, finds the nearest entry stored for the same scope and partition (prompt.ts), and answers
// when it is at or above the threshold and the veto (veto.ts) finds nothing that flips the answer.
// Embeddings come from the built-in offline embedder, or from a configured embeddings model through
// the gateway's own calls, so that the call is authorised, admitted, priced and recorded against the
// caller (route `internal:cache:embed`).
import type { ChatResult } from '../../core/ir/index.ts';
import type { Frozen } from '../../core/ir/rewrite.ts';
import type { ChatExchange, InternalCalls } from '../../pipeline/index.ts';
import type { Database } from '../../store/index.ts';
import type { SemanticLayer, SemanticMatch } from '../semantic-layer.ts';
import { answersAgree, Calibration, type CalibrationRow } from './calibration.ts';
import { embedOffline, similarity } from './offline/embedder.ts';
import { type Prompt, promptOf } from './prompt.ts';
import { SemanticStore } from './store.ts';
import { VectorIndex } from './vector-index.ts';
import { type VetoChecks, vetoReason, vetoSignature } from './veto.ts';

export interface SemanticOptions {
  /** `builtin` (the offline embedder) or a configured model that answers embeddings. */
  embeddingModel: string;
  /** Cosine similarity at or above which a match is served (0…1). */
  threshold: number;
  /** Share of would-be hits sent upstream anyway and compared (0 = off). */
  calibrationRate?: number;
  /** How often a replica follows the others' writes and purges, in ms (0 = never). */
  pollMs?: number;
  /** Vectors kept; past it the oldest are evicted (their answers stay in the exact cache). */
  maxEntries?: number;
  veto?: VetoChecks;
}

export interface SemanticDeps {
  database: Database;
  calls: InternalCalls;
  /** Given, the index loads in the background (the gateway serves meanwhile); failures go here. */
  log?: (line: string) => void;
}

/** Nearest candidates checked by the veto before giving up: the nearest may be vetoed, the next not. */
const candidates = 5;

interface Embedded {
  prompt: Prompt;
  vector: Float32Array;
}

export class SemanticCache implements SemanticLayer {
  readonly options: Required<SemanticOptions>;
  readonly index = new VectorIndex();
  readonly calibration = new Calibration();
  readonly #store: SemanticStore;
  readonly #calls: InternalCalls;
  readonly #log: ((line: string) => void) | undefined;
  // A request is embedded once: `find` embeds it, `remember` (after a miss) reuses the vector.
  readonly #embedded = new WeakMap<ChatExchange, Embedded | null>();

  constructor(options: SemanticOptions, deps: SemanticDeps) {
    this.options = {
      calibrationRate: 0,
      maxEntries: 100_000,
      veto: { negation: true, numbers: true },
      pollMs: deps.database.kind === 'postgres' ? 250 : 0,
      ...options,
    };
    this.#calls = deps.calls;
    this.#log = deps.log;
    this.#store = new SemanticStore(deps.database, this.index);
  }

  /** Loads the stored vectors into the index (or starts to, with `log`) and follows other replicas. */
  async start(): Promise<this> {
    await this.#store.start(this.options.pollMs, this.#log);
    return this;
  }

  async close(): Promise<void> {
    await this.#store.stop();
  }

  /** For tests and operators: one round of following other replicas now. */
  sync(): Promise<void> {
    return this.#store.poll();
  }

  /** Drops expired entries now (the poll does it each minute). */
  sweep(): Promise<void> {
    return this.#store.sweep();
  }

  async find(ex: ChatExchange, scope: string): Promise<SemanticMatch | undefined> {
    const embedded = await this.#embed(ex);
    if (!embedded) return undefined;
    const neighbours = this.index.search(
      scope,
      embedded.prompt.partition,
      embedded.vector,
      this.options.threshold,
      candidates,
      Date.now(),
    );
    if (neighbours.length === 0) return undefined;
    const asked = vetoSignature(embedded.prompt.text);
    for (const { entry, similarity } of neighbours) {
      if (vetoReason(asked, vetoSignature(entry.text), this.options.veto) === undefined)
        return { key: entry.key, similarity };
    }
    return undefined;
  }

  async remember(ex: ChatExchange, scope: string, key: string, expiresAt: number): Promise<void> {
    const embedded = await this.#embed(ex);
    if (!embedded) return;
    await this.#store.add(
      {
        scope,
        partition: embedded.prompt.partition,
        model: ex.request.model,
        team: ex.ctx.principal?.teamId ?? '',
        key,
        text: embedded.prompt.text,
        expiresAt,
      },
      embedded.vector,
    );
    // A tenth below the limit, so that eviction runs once per many writes rather than on each.
    if (this.index.size > this.options.maxEntries)
      await this.#store.evict(Math.max(1, Math.floor(this.options.maxEntries * 0.9)));
  }

  forget(filter: { model?: string; team?: string; key?: string }): Promise<void> {
    return this.#store.purge(filter);
  }

  sampleForCalibration(): boolean {
    return this.options.calibrationRate > 0 && Math.random() < this.options.calibrationRate;
  }

  calibrate(
    ex: ChatExchange,
    _scope: string,
    cached: Frozen<ChatResult>,
    fresh: Frozen<ChatResult>,
    similarityOfPrompts: number,
  ): void {
    const model = ex.request.model;
    const team = ex.ctx.principal?.teamId ?? '';
    // Runs after the caller has its answer: nothing here may delay or fail the request.
    answersAgree(textOf(cached), textOf(fresh), this.options.threshold, async (a, b) => {
      const [va, vb] = await Promise.all([
        this.#vector(a, ex, 'cache:calibrate'),
        this.#vector(b, ex, 'cache:calibrate'),
      ]);
      return similarity(va, vb);
    })
      .then((agreed) => this.calibration.record(model, team, similarityOfPrompts, agreed))
      .catch(() => undefined);
  }

  get threshold(): number {
    return this.options.threshold;
  }

  get calibrationRate(): number {
    return this.options.calibrationRate;
  }

  calibrationReport(): CalibrationRow[] {
    return this.calibration.rows();
  }

  async #embed(ex: ChatExchange): Promise<Embedded | undefined> {
    const known = this.#embedded.get(ex);
    if (known !== undefined) return known ?? undefined;
    const prompt = promptOf(ex.request);
    if (!prompt) {
      this.#embedded.set(ex, null);
      return undefined;
    }
    const vector = await this.#vector(prompt.text, ex, 'cache:embed');
    // The embedding model is part of the partition: vectors of two models are never compared.
    const embedded = {
      prompt: { ...prompt, partition: `${prompt.partition}:${this.options.embeddingModel}` },
      vector,
    };
    this.#embedded.set(ex, embedded);
    return embedded;
  }

  async #vector(text: string, ex: ChatExchange, purpose: string): Promise<Float32Array> {
    if (this.options.embeddingModel === 'builtin') return embedOffline(text);
    const result = await this.#calls.embeddings(
      { model: this.options.embeddingModel, input: [text] },
      {
        purpose,
        ...(ex.ctx.principal ? { principal: ex.ctx.principal } : {}),
        ...(purpose === 'cache:embed' ? { signal: ex.ctx.signal } : {}),
      },
    );
    return unit(result.embeddings[0] ?? []);
  }
}

function unit(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

function textOf(result: Frozen<ChatResult>): string {
  return result.response.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export async function createSemanticCache(
  options: SemanticOptions,
  deps: SemanticDeps,
): Promise<SemanticCache> {
  return new SemanticCache(options, deps).start();
}
