// The cache stage, in the pipeline's [cache] slot: after the input guardrails (a request they
// refuse never reads the cache), before the output guardrails and the call. A hit is handed on as
// the exchange's prepared answer, so the output guardrails check it as they check a fresh one and
// the call stage answers it without going upstream. A miss stores what reached this stage, once it
// is complete: never an error, a stream cut short, or an answer a guardrail refused. With a quality
// gate, a found entry whose request's scores are not good enough is a miss (cache/gate.ts).
import type { ChatResponse, ChatResult } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';
import type { RequestRecord } from '../core/records/index.ts';
import { type Answer, AnswerStream, type ChatExchange, type Stage } from '../pipeline/index.ts';
import { type CacheEntry, ResponseAssembler, replayChunks } from './entry.ts';
import type { GateRefusal } from './gate.ts';
import { cacheKey, cacheScope } from './key.ts';
import type { CachePlan } from './policy.ts';
import type { FoundAnswer, ResponseCache } from './response-cache.ts';

type Verdict = NonNullable<RequestRecord['cache']>;

export function cacheStage(cache: ResponseCache): Stage {
  return {
    name: 'cache',
    async run(ex, next) {
      if (ex.operation !== 'chat') return next();
      const { ctx } = ex;
      const record = ctx.record;
      const plan = cache.policy.plan(ex.request.model, ex.request.n, ctx.principal, ctx.headers);
      if (!plan) {
        verdict(ex, 'bypass');
        return next();
      }
      const started = performance.now();
      const scope = cacheScope(plan.scope, ctx.principal);
      const key = cacheKey(ex.request, ex.targets, scope);
      let calibrating: { entry: CacheEntry; similarity: number } | undefined;
      let refused: GateRefusal | undefined;
      let waiting = false;
      if (plan.lookup) {
        const found = await lookup(cache, ex, plan, scope, key);
        record.cacheLookupMs = performance.now() - started;
        refused = found?.refused;
        waiting = refused === 'unrated' && found?.key === key;
        if (found && !found.calibrate && !refused) {
          verdict(ex, found.similarity === undefined ? 'hit' : 'semantic-hit');
          serve(cache, ex, found.entry, found.similarity);
          cache.noteHit(ctx.requestId, found.key, found.entry);
          return next();
        }
        if (found && !refused) calibrating = { entry: found.entry, similarity: found.similarity! };
      }
      verdict(ex, plan.lookup ? 'miss' : 'bypass');
      if (refused) gated(cache, ex, refused);
      const answer = await next();
      // Stored once the answer is on its way: the caller does not wait for the write.
      const stored = (response: Frozen<ChatResponse>) =>
        setImmediate(() => {
          void keep(cache, ex, plan, scope, key, response).catch((err) =>
            cache.problem('storing an answer', err),
          );
          if (!calibrating) return;
          try {
            const cached = { response: calibrating.entry.response } as Frozen<ChatResult>;
            cache.semantic?.calibrate?.(ex, scope, cached, { response }, calibrating.similarity);
          } catch (err) {
            cache.problem('calibrating', err);
          }
        });
      // An unrated entry the gate would not serve stays under its key, waiting for its rating: a
      // fresh answer would replace it unrated, and nothing would ever be served.
      if (waiting) return answer;
      if (answer.kind === 'result') stored(answer.result.response);
      else if (answer.kind === 'stream') {
        const assembler = new ResponseAssembler(cache.config.exact.max_entry_bytes);
        answer.stream.tap((chunk) => assembler.add(chunk));
        answer.stream.onEnd(({ completed, error }) => {
          if (!completed || error !== undefined) return;
          const response = assembler.response();
          if (response) stored(response);
        });
      }
      return answer;
    },
  };
}

function verdict(ex: ChatExchange, value: Verdict): void {
  ex.ctx.record.cache = value;
  ex.headers['x-gatehouse-cache'] = value;
}

/** A found entry the quality gate refuses: a miss, with the reason on the record and a header. */
function gated(cache: ResponseCache, ex: ChatExchange, reason: GateRefusal): void {
  if (reason === 'unrated') cache.gateStats.refusedUnrated++;
  else cache.gateStats.refusedBelow++;
  ex.headers['x-gatehouse-cache-gate'] = reason;
  const record = ex.ctx.record;
  record.tags = { ...record.tags, cache_gate: reason };
}

interface Found {
  entry: CacheEntry;
  /** The exact-cache key it lives under. */
  key: string;
  /** Set when the quality gate refuses to serve it. */
  refused?: GateRefusal;
  /** Set on a semantic match. */
  similarity?: number;
  /** A semantic match sampled for calibration: the call goes upstream all the same. */
  calibrate?: boolean;
}

/** The exact entry, else the semantic layer's match (whose entry lives under its exact key). */
async function lookup(
  cache: ResponseCache,
  ex: ChatExchange,
  plan: CachePlan,
  scope: string,
  key: string,
): Promise<Found | undefined> {
  const exact = await cache.get(key);
  if (exact) return found(cache, key, exact);
  const semantic = cache.semantic;
  if (plan.mode !== 'semantic' || !semantic) return undefined;
  const match = await cache.bounded(
    semantic.find(ex, scope),
    'a semantic lookup',
    cache.config.semantic?.lookup_timeout_ms,
  );
  if (!match) return undefined;
  const entry = await cache.get(match.key);
  if (!entry) return undefined;
  return {
    ...found(cache, match.key, entry),
    similarity: match.similarity,
    ...(semantic.sampleForCalibration?.() ? { calibrate: true } : {}),
  };
}

function found(cache: ResponseCache, key: string, answer: FoundAnswer): Found {
  const refused = cache.gate?.refuses(answer.scores);
  return refused ? { entry: answer.entry, key, refused } : { entry: answer.entry, key };
}

/** Prepares a hit as the answer the caller asked for: a result, or a stream replayed in parts. */
function serve(cache: ResponseCache, ex: ChatExchange, entry: CacheEntry, similarity?: number): void {
  const { ctx } = ex;
  const record = ctx.record;
  // Nothing went upstream: no usage is charged against limits or budgets, and the cost is 0.
  record.costUsd = 0;
  record.savedUsd = cache.saved(entry);
  record.finishReason = entry.response.finishReason;
  if (similarity !== undefined) {
    record.cacheSimilarity = similarity;
    ex.headers['x-gatehouse-cache-similarity'] = similarity.toFixed(4);
  }
  const id = `cached-${ctx.requestId}`;
  const response: ChatResponse = { ...entry.response, id };
  let answer: Answer;
  if (ex.request.stream) {
    answer = {
      kind: 'stream',
      stream: new AnswerStream('mock', undefined, replayChunks(response, id), nothingMore()),
    };
  } else answer = { kind: 'result', result: { response } };
  ex.prepared = answer;
}

async function* nothingMore(): AsyncGenerator<never> {}

async function keep(
  cache: ResponseCache,
  ex: ChatExchange,
  plan: CachePlan,
  scope: string,
  key: string,
  response: Frozen<ChatResponse>,
): Promise<void> {
  if (response.finishReason === 'error') return;
  const record = ex.ctx.record;
  const target = ex.targets.find((t) => t.providerName === record.provider);
  const expiresAt = Date.now() + plan.ttlS * 1000;
  const requestId = ex.ctx.requestId;
  const entry: CacheEntry = {
    response: response as ChatResponse,
    ...(target ? { providerType: target.providerType } : {}),
    ...(record.providerModel ? { providerModel: record.providerModel } : {}),
    storedAt: Date.now(),
    requestId,
    expiresAt,
  };
  const stored = await cache.put(
    { key, scope, model: ex.request.model, teamId: ex.ctx.principal?.teamId ?? '', expiresAt, requestId },
    entry,
  );
  if (stored && plan.mode === 'semantic' && cache.semantic)
    await cache.bounded(cache.semantic.remember(ex, scope, key, expiresAt), 'indexing an answer');
}
