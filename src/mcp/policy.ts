// Who may call which tool, and with which arguments. Tool rules are globs over the namespaced name
// `<server>__<tool>` (at /mcp/<server> too, so one rule set covers both endpoints); a `!` entry
// denies. Every rule the caller's key, team and user carry must allow a tool, as with models. A
// rule may also narrow a tool's input: an argument forced to a value (`const`) or bounded to a set
// (`enum`); the narrowed schema is what the caller lists and what its calls are checked against.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { ArgNarrowing, Principal, ToolRule } from '../governance/index.ts';

export const separator = '__';

export const qualify = (server: string, name: string) => `${server}${separator}${name}`;

/** `github__search` → ['github', 'search']; undefined when there is no separator. */
export function splitName(name: string): [string, string] | undefined {
  const at = name.indexOf(separator);
  return at <= 0 ? undefined : [name.slice(0, at), name.slice(at + separator.length)];
}

const globs = new Map<string, RegExp>();
export function glob(pattern: string): RegExp {
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    if (globs.size > 10_000) globs.clear();
    globs.set(pattern, re);
  }
  return re;
}

/** Whether one list of globs allows a name: some allow entry matches (none given: all) and no deny entry does. */
export function listAllows(patterns: readonly string[], name: string): boolean {
  let allowed = false;
  let anyAllow = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (glob(p.slice(1)).test(name)) return false;
    } else {
      anyAllow = true;
      if (!allowed && glob(p).test(name)) allowed = true;
    }
  }
  return allowed || !anyAllow;
}

/** The first rule that does not allow the tool, or undefined when all do. */
export function refusingRule(principal: Principal, qualified: string): ToolRule | undefined {
  for (const rule of principal.toolRules ?? []) {
    if (rule.tools && !listAllows(rule.tools, qualified)) return rule;
  }
  return undefined;
}

export function describeRefusal(rule: ToolRule, qualified: string): string {
  return `The ${rule.scope} "${rule.name}" may not call the tool "${qualified}" (its tools rule: ${(rule.tools ?? []).join(', ') || 'none'}).`;
}

/** Every narrowing the caller's rules put on a tool's arguments, argument by argument. */
export function narrowingsFor(principal: Principal, qualified: string): Map<string, ArgNarrowing[]> {
  const found = new Map<string, ArgNarrowing[]>();
  for (const rule of principal.toolRules ?? []) {
    for (const [pattern, args] of Object.entries(rule.args ?? {})) {
      if (!glob(pattern).test(qualified)) continue;
      for (const [arg, narrowing] of Object.entries(args)) {
        const list = found.get(arg) ?? [];
        list.push(narrowing);
        found.set(arg, list);
      }
    }
  }
  return found;
}

type Schema = Tool['inputSchema'];

/** The tool's input schema with the narrowings written in (const and enum on the properties). */
export function narrowSchema(schema: Schema, narrowings: Map<string, ArgNarrowing[]>): Schema {
  if (narrowings.size === 0) return schema;
  const properties: Record<string, object> = { ...(schema.properties ?? {}) };
  for (const [arg, list] of narrowings) {
    const property: Record<string, unknown> = { ...((properties[arg] as object | undefined) ?? {}) };
    for (const n of list) {
      if ('const' in n) {
        property.const = n.const;
        property.default = n.const;
      } else {
        const current = property.enum as unknown[] | undefined;
        property.enum = current ? current.filter((v) => n.enum.some((e) => same(e, v))) : n.enum;
      }
    }
    properties[arg] = property;
  }
  return { ...schema, properties };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The arguments a call may go upstream with: a forced argument the caller left out is filled in;
 * a value outside a narrowing is refused (the message says which argument and what it may be).
 */
export function applyNarrowings(
  args: Record<string, unknown>,
  narrowings: Map<string, ArgNarrowing[]>,
): { args: Record<string, unknown> } | { refusal: string } {
  if (narrowings.size === 0) return { args };
  const out = { ...args };
  for (const [arg, list] of narrowings) {
    for (const n of list) {
      if ('const' in n) {
        if (!(arg in out)) out[arg] = n.const;
        else if (!same(out[arg], n.const))
          return { refusal: `The argument "${arg}" must be ${JSON.stringify(n.const)} for this caller.` };
      } else if (arg in out && !n.enum.some((v) => same(v, out[arg]))) {
        return {
          refusal: `The argument "${arg}" must be one of ${n.enum.map((v) => JSON.stringify(v)).join(', ')} for this caller.`,
        };
      }
    }
  }
  return { args: out };
}

const validator = new AjvJsonSchemaValidator();
type Check = (input: unknown) => { valid: boolean; errorMessage?: string };
const compiled = new Map<string, Check>();
/** A listing's schema objects live until its list changes: their checks are found without serialising them. */
const bySchema = new WeakMap<Schema, Check>();

/** Checks arguments against a (narrowed) input schema; returns the problem, or undefined. */
export function schemaProblem(schema: Schema, args: Record<string, unknown>): string | undefined {
  let check = bySchema.get(schema);
  if (!check) {
    const key = JSON.stringify(schema);
    check = compiled.get(key);
    if (!check) {
      try {
        const v = validator.getValidator(schema as never);
        check = (input) => v(input);
      } catch {
        // A schema the validator cannot compile is the upstream's to enforce.
        check = () => ({ valid: true });
      }
      if (compiled.size > 1_000) compiled.clear();
      compiled.set(key, check);
    }
    bySchema.set(schema, check);
  }
  const result = check(args);
  return result.valid ? undefined : (result.errorMessage ?? 'the arguments do not match the input schema');
}
