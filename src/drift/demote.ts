// Reacting to degradation (`drift.demote`, off by default): a target (provider and model as served)
// whose evaluator scores or error rate in the recent window pass a threshold has its circuit
// breaker opened through the routing registry, so that routing sends its traffic to the other
// targets, and the operator is told. It is held open while the target stays degraded; once its
// scores and errors are back within bounds — or its window holds too few requests to say, the
// demotion having starved it — it is restored and a "resolved" message follows.
import type { Sample } from './features.ts';

export interface DemoteSettings {
  /** A target whose mean score (of `score`) falls below this is demoted. */
  min_score?: number | undefined;
  /** The score's name (an evaluator's or a feedback name); every score when absent. */
  score?: string | undefined;
  /** A target whose error rate rises above this is demoted. */
  max_error_rate?: number | undefined;
  /** Fewer requests (or scores) in the recent window: no verdict, and a demoted target is restored. */
  min_samples: number;
}

/** The routing registry's demotion API (routing/state.ts RoutingState). */
export interface Demoter {
  demote(provider: string, model: string, holdMs: number): void;
  restore(provider: string, model: string): void;
}

export interface TargetVerdict {
  provider: string;
  model: string;
  requests: number;
  errorRate: number;
  scores: number;
  meanScore: number | null;
  degraded: boolean;
  reasons: string[];
  /** Set by the monitor: demoted by this check. */
  demoted?: boolean;
}

/** The recent window's samples per target, with their scores (by request id). */
export function judgeTargets(
  samples: Array<Sample & { provider: string; model: string }>,
  scores: Array<{ requestId: string; name: string; value: number }>,
  settings: DemoteSettings,
): TargetVerdict[] {
  const byRequest = new Map<string, number[]>();
  for (const s of scores) {
    if (settings.score !== undefined && s.name !== settings.score) continue;
    const list = byRequest.get(s.requestId);
    if (list) list.push(s.value);
    else byRequest.set(s.requestId, [s.value]);
  }
  const targets = new Map<
    string,
    { provider: string; model: string; n: number; errors: number; values: number[] }
  >();
  for (const s of samples) {
    const key = `${s.provider}\u0000${s.model}`;
    let t = targets.get(key);
    if (!t) {
      t = { provider: s.provider, model: s.model, n: 0, errors: 0, values: [] };
      targets.set(key, t);
    }
    t.n++;
    if (s.outcome !== 'ok' && s.outcome !== 'client_error') t.errors++;
    t.values.push(...(byRequest.get(s.requestId) ?? []));
  }
  return [...targets.values()].map((t) => {
    const errorRate = t.n ? t.errors / t.n : 0;
    const meanScore = t.values.length ? t.values.reduce((a, b) => a + b, 0) / t.values.length : null;
    const reasons: string[] = [];
    if (
      settings.max_error_rate !== undefined &&
      t.n >= settings.min_samples &&
      errorRate > settings.max_error_rate
    )
      reasons.push(`error rate ${pct(errorRate)} > ${pct(settings.max_error_rate)} over ${t.n} requests`);
    if (
      settings.min_score !== undefined &&
      meanScore !== null &&
      t.values.length >= settings.min_samples &&
      meanScore < settings.min_score
    )
      reasons.push(
        `mean ${settings.score ?? 'score'} ${round(meanScore)} < ${settings.min_score} over ${t.values.length} scores`,
      );
    return {
      provider: t.provider,
      model: t.model,
      requests: t.n,
      errorRate: round(errorRate),
      scores: t.values.length,
      meanScore: meanScore === null ? null : round(meanScore),
      degraded: reasons.length > 0,
      reasons,
    };
  });
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
