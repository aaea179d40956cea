import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal, ToolRule } from '../governance/index.ts';
import { diff } from './pins.ts';
import {
  applyNarrowings,
  listAllows,
  narrowingsFor,
  narrowSchema,
  refusingRule,
  schemaProblem,
  splitName,
} from './policy.ts';

const principal = (toolRules: ToolRule[]): Principal => ({
  kind: 'key',
  modelRules: [],
  limits: [],
  budgets: [],
  toolRules,
});

test('a tools list allows what an allow entry matches and no deny entry does', () => {
  const rules = ['github__*', '!github__delete_*'];
  assert.equal(listAllows(rules, 'github__search'), true);
  assert.equal(listAllows(rules, 'github__delete_repo'), false);
  assert.equal(listAllows(rules, 'docs__search'), false);
  assert.equal(listAllows(['!*__write*'], 'files__read'), true, 'deny entries only: the rest is allowed');
  assert.equal(listAllows([], 'files__read'), true);
  assert.equal(listAllows(['a.b__c'], 'aXb__c'), false, 'only * is special');
});

test('every rule of key, team and user must allow a tool; the first that does not is named', () => {
  const p = principal([
    { scope: 'key', id: 'k', name: 'bot', tools: ['github__*'] },
    { scope: 'team', id: 't', name: 'agents', tools: ['*', '!github__delete_*'] },
  ]);
  assert.equal(refusingRule(p, 'github__search'), undefined);
  assert.equal(refusingRule(p, 'github__delete_repo')?.name, 'agents');
  assert.equal(refusingRule(p, 'docs__search')?.name, 'bot');
  assert.equal(refusingRule(principal([]), 'anything__at_all'), undefined);
});

test('narrowings: const is filled in and enforced, enums intersect, the schema says so', () => {
  const p = principal([
    { scope: 'team', id: 't', name: 'agents', args: { 'github__*': { read_only: { const: true } } } },
    { scope: 'key', id: 'k', name: 'bot', args: { github__search: { mode: { enum: ['a', 'b'] } } } },
  ]);
  const n = narrowingsFor(p, 'github__search');
  assert.deepEqual(applyNarrowings({ q: 'x' }, n), { args: { q: 'x', read_only: true } });
  assert.match(
    (applyNarrowings({ read_only: false }, n) as { refusal: string }).refusal,
    /"read_only" must be true/,
  );
  assert.match(
    (applyNarrowings({ mode: 'c' }, n) as { refusal: string }).refusal,
    /"mode" must be one of "a", "b"/,
  );
  const schema = narrowSchema(
    { type: 'object', properties: { q: { type: 'string' }, mode: { type: 'string', enum: ['b', 'c'] } } },
    n,
  );
  assert.deepEqual(schema.properties?.read_only, { const: true, default: true });
  assert.deepEqual(schema.properties?.mode, { type: 'string', enum: ['b'] });
  assert.equal(schemaProblem(schema, { q: 'x', read_only: true, mode: 'b' }), undefined);
  assert.ok(schemaProblem(schema, { q: 'x', read_only: true, mode: 'a' }), 'outside the intersected enum');
  assert.equal(narrowingsFor(p, 'docs__search').size, 0);
});

test('names split at the first separator; a definition diff names the paths that changed', () => {
  assert.deepEqual(splitName('github__search__v2'), ['github', 'search__v2']);
  assert.equal(splitName('search'), undefined);
  assert.deepEqual(
    diff(
      { name: 't', description: 'a', inputSchema: { properties: { q: { type: 'string' } } } },
      {
        name: 't',
        description: 'b',
        inputSchema: { properties: { q: { type: 'string' }, x: { type: 'number' } } },
      },
    ),
    [
      { path: 'description', before: 'a', after: 'b' },
      { path: 'inputSchema.properties.x', after: { type: 'number' } },
    ],
  );
});
