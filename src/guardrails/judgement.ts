// What a whole-text check (json_schema, an external check) answers, and what it is given.
import type { Principal } from '../governance/index.ts';

/** What a judge found in a whole text. */
export interface Judgement {
  flagged: boolean;
  entities: string[];
  score?: number;
  /** The check itself failed (timeout, bad answer): its on_error decides. */
  failed?: boolean;
}

export interface JudgeContext {
  principal: Principal | undefined;
  signal?: AbortSignal;
  /** The caller's response_format json_schema, for a json_schema guardrail without its own schema. */
  requestSchema?: Record<string, unknown> | undefined;
}

export type Judge = (text: string, ctx: JudgeContext) => Promise<Judgement>;
