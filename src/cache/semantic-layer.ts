// The seam between the cache stage (cache/stage.ts) and the semantic layer (cache/semantic/). The
// stage owns everything a request sees — scope, per-request control, headers, the record, storing
// and replaying answers — and asks the layer two things: is there an entry that *means* the same
// (find), and index this entry I just stored (remember). Entries themselves live in the exact
// cache's store under the exact key; the layer keeps only vectors pointing at those keys, so a
// semantic hit is served exactly like an exact one and expires, is purged and is scoped alike.
import type { ChatResult } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';
import type { ChatExchange } from '../pipeline/index.ts';

/** A semantic match: the exact-cache key of the entry to serve, and how close it was (0…1). */
export interface SemanticMatch {
  key: string;
  similarity: number;
}

export interface SemanticLayer {
  /**
   * A cached entry whose request means the same as this one, in this scope and partition (system
   * prompt + tools + model, exact); undefined when none is at or above the threshold, or the match
   * is vetoed (a negation or number differs). The entry may have expired or been evicted from the
   * exact store since: the stage then treats the request as a miss.
   */
  find(ex: ChatExchange, scope: string): Promise<SemanticMatch | undefined>;
  // `scope` is an opaque string from cache/key.ts (`team:<id>`, `key:<id>`, `user:<id>`, `master`,
  // `global`): entries are shared only within one scope.
  /** Indexes an entry just stored under `key` (the exact-cache key), valid until `expiresAt` (epoch ms). */
  remember(ex: ChatExchange, scope: string, key: string, expiresAt: number): Promise<void>;
  /**
   * Drops index entries when the cache is purged: all of them with an empty filter, else those of
   * a model (`ex.request.model`, the name the client asked for) and/or stored by a team's requests
   * (`ex.ctx.principal?.teamId`, '' for the master key) — whatever their scope — or those pointing
   * at one exact-cache key (an answer the quality gate evicted).
   */
  forget(filter: { model?: string; team?: string; key?: string }): Promise<void>;
  /**
   * Self-calibration: true when this would-be semantic hit should still go upstream, so that the
   * fresh answer can be compared with the cached one. The stage then answers with the fresh one
   * (`x-gatehouse-cache: miss`) and calls `calibrate` once the fresh answer is complete.
   */
  sampleForCalibration?(): boolean;
  /** Compares a sampled would-be hit's cached answer with the fresh one (reports the false-hit rate). */
  calibrate?(
    ex: ChatExchange,
    scope: string,
    cached: Frozen<ChatResult>,
    fresh: Frozen<ChatResult>,
    similarity: number,
  ): void;
  /** Releases what the layer holds (index handles, sync subscriptions) at shutdown. */
  close?(): Promise<void>;
}
