// The x-gatehouse-guardrails header: each guardrail once, its strongest outcome, shadow marked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestRecord } from '../core/records/index.ts';
import type { Check } from './checks.ts';
import { blocked, Verdicts } from './verdicts.ts';

const check = (name: string, shadow = false) =>
  ({
    name,
    shadow,
    action: 'redact',
    phases: new Set(),
    blockOnError: false,
    type: 'pii',
  }) as unknown as Check;

test('one entry per guardrail with its strongest outcome; shadow and pending shown', () => {
  const record = { guardrails: [] } as unknown as RequestRecord;
  const v = new Verdicts(record, performance.now());
  const pii = check('no-pii');
  v.add(pii, 'input', { outcome: 'passed', entities: [] }, 0);
  v.add(pii, 'output', { outcome: 'redacted', entities: ['email'] }, 0);
  v.add(pii, 'output', { outcome: 'passed', entities: [] }, 0);
  v.add(check('inj', true), 'input', { outcome: 'blocked', entities: ['prompt_injection'], score: 0.9 }, 0);
  assert.equal(v.header([check('late')]), 'no-pii=redacted;inj=shadow:blocked;late=pending');
  assert.deepEqual(
    record.guardrails!.map((x) => [x.guardrail, x.phase, x.action, x.entities]),
    [
      ['no-pii', 'input', 'passed', []],
      ['no-pii', 'output', 'redacted', ['email']],
      ['inj', 'input', 'blocked', ['prompt_injection']],
    ],
  );
});

test('a refusal names the guardrail and the entity types only', () => {
  const err = blocked(check('no-pii'), 'output', ['card', 'email']);
  assert.equal(err.publicCode, 'guardrail_blocked');
  assert.equal(err.status, 400);
  assert.equal(
    err.message,
    'The guardrail "no-pii" blocked the answer (output), which was withheld: found card, email.',
  );
});
