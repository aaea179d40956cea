// What a drift check answers: per group its metrics' verdicts, and the targets judged for demotion.
import type { MetricResult } from './compare.ts';
import type { TargetVerdict } from './demote.ts';

export interface DriftGroup {
  dimension: 'model' | 'route' | 'team';
  value: string;
  drifted: boolean;
  metrics: MetricResult[];
}

export interface DriftReport {
  checkedAt: string | null;
  window: { from: string; to: string } | null;
  baseline: { from: string; to: string } | null;
  groups: DriftGroup[];
  /** Targets judged for demotion (drift.demote), with whether they are demoted now. */
  targets: TargetVerdict[];
}
