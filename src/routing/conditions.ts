// A routing rule's `when`, compiled once into a test over a request's facts. Every test given must
// hold; lists mean any of their values.
import type { ConditionConfig } from '../config/schema.ts';
import type { RequestFacts } from './facts.ts';

export type Condition = (facts: RequestFacts) => boolean;

const set = (value: string | readonly string[]) => new Set(typeof value === 'string' ? [value] : value);

function inRange(value: number, range: { above?: number | undefined; below?: number | undefined }): boolean {
  return (
    (range.above === undefined || value > range.above) && (range.below === undefined || value < range.below)
  );
}

export function compileCondition(when: ConditionConfig): Condition {
  const tests: Condition[] = [];
  if (when.team !== undefined) {
    const teams = set(when.team);
    tests.push((f) => f.caller.teamId !== undefined && teams.has(f.caller.teamId));
  }
  if (when.key !== undefined) {
    const keys = set(when.key);
    tests.push(
      (f) =>
        (f.caller.keyId !== undefined && keys.has(f.caller.keyId)) ||
        (f.caller.keyName !== undefined && keys.has(f.caller.keyName)),
    );
  }
  if (when.user !== undefined) {
    const users = set(when.user);
    tests.push((f) => f.caller.userId !== undefined && users.has(f.caller.userId));
  }
  for (const [name, values] of Object.entries(when.header ?? {})) {
    const header = name.toLowerCase();
    const allowed = set(values);
    tests.push((f) => {
      const value = f.header(header);
      return value !== undefined && allowed.has(value);
    });
  }
  for (const [name, values] of Object.entries(when.metadata ?? {})) {
    const allowed = set(values);
    tests.push((f) => {
      const value = f.tags?.[name];
      return value !== undefined && allowed.has(value);
    });
  }
  const tokens = when.input_tokens;
  if (tokens) tests.push((f) => inRange(f.inputTokens, tokens));
  if (when.tools !== undefined) {
    const wanted = when.tools;
    tests.push((f) => f.tools === wanted);
  }
  if (when.images !== undefined) {
    const wanted = when.images;
    tests.push((f) => f.images === wanted);
  }
  // Last: the score scans the prompt, and a cheaper test may already have said no.
  const complexity = when.complexity;
  if (complexity) tests.push((f) => f.chat !== undefined && inRange(f.complexity, complexity));
  return (facts) => {
    for (const test of tests) if (!test(facts)) return false;
    return true;
  };
}
