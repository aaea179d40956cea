import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GatehouseError } from '../core/errors/index.ts';
import { type Answer, compose, type Exchange, type Stage } from './stage.ts';

const exchange = {} as Exchange;
const answer: Answer = { kind: 'token_count', inputTokens: 1, source: 'estimate' };
const answering: Stage = { name: 'answer', run: async () => answer };

test('stages run in order around each other', async () => {
  const trail: string[] = [];
  const around = (name: string): Stage => ({
    name,
    async run(_ex, next) {
      trail.push(`>${name}`);
      const out = await next();
      trail.push(`<${name}`);
      return out;
    },
  });
  assert.equal(await compose([around('a'), around('b'), answering])(exchange), answer);
  assert.deepEqual(trail, ['>a', '>b', '<b', '<a']);
});

test('a stage may answer without calling next', async () => {
  const short: Stage = { name: 'cache', run: async () => answer };
  const never: Stage = { name: 'never', run: () => assert.fail('not reached') };
  assert.equal(await compose([short, never])(exchange), answer);
});

test('a second next() is refused, naming the stage', async () => {
  const twice: Stage = {
    name: 'twice',
    async run(_ex, next) {
      await next();
      return next();
    },
  };
  await assert.rejects(compose([twice, answering])(exchange), (err: GatehouseError) => {
    assert.equal(err.code, 'GH_INTERNAL');
    assert.match(err.message, /"twice" called next\(\) twice/);
    return true;
  });
});

test('the last stage has no next; a synchronous throw becomes a rejection', async () => {
  const calls: Stage = { name: 'last', run: (_ex, next) => next() };
  await assert.rejects(compose([calls])(exchange), /"last" called next\(\)/);
  const throws: Stage = {
    name: 'sync',
    run() {
      throw new Error('refused');
    },
  };
  const run = compose([throws]);
  let promise: Promise<Answer> | undefined;
  assert.doesNotThrow(() => {
    promise = run(exchange);
  });
  await assert.rejects(promise!, /refused/);
});
