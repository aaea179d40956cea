import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/index.ts';
import type { ChatRequest, ChatStream, StreamChunk } from '../core/ir/index.ts';
import { Lifecycle } from '../core/lifecycle/index.ts';
import type { Governor } from '../governance/admission.ts';
import type { PriceBook } from '../governance/pricing/index.ts';
import type { Provider } from '../providers/index.ts';
import type { RequestContext } from './context.ts';
import { Pipeline } from './runtime.ts';
import { newExchange, type Stage } from './stage.ts';

/** A provider whose stream sends one chunk and then holds, noting when its reader lets it go. */
function holdingProvider(): { provider: Provider; released: () => boolean } {
  let released = false;
  const stream: ChatStream = {
    dialect: 'openai',
    async *[Symbol.asyncIterator](): AsyncGenerator<StreamChunk> {
      try {
        yield { parts: [{ type: 'text', text: 'hello' }] };
        await new Promise(() => {});
      } finally {
        released = true;
      }
    },
  };
  const provider = {
    name: 'holding',
    dialect: 'openai',
    complete: () => Promise.reject(new Error('not used')),
    stream: async () => stream,
  } as Provider;
  return { provider, released: () => released };
}

function context(): RequestContext {
  return {
    requestId: 'r1',
    headers: {},
    signal: new AbortController().signal,
    startedAt: 0,
    record: {
      requestId: 'r1',
      eventId: 'r1',
      surface: 'openai',
      route: '/',
      receivedAt: 0,
      attempts: [],
      status: 200,
    },
    lifecycle: new Lifecycle(),
  };
}

const request: ChatRequest = {
  model: 'm',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream: true,
  includeUsage: false,
};

test('a stream that a stage drops after the call is let go, and its admission settled', async () => {
  const { provider, released } = holdingProvider();
  let settled = 0;
  const governor = { admit: async () => ({ headers: {}, settle: async () => void settled++ }) };
  const failing: Stage = {
    name: 'fails-after-call',
    async run(_ex, next) {
      await next();
      throw new Error('dropped');
    },
  };
  const config = parseConfig(
    {
      providers: { holding: { type: 'mock' } },
      models: { m: { targets: [{ provider: 'holding', model: 'x' }] } },
    },
    'test',
    {},
  );
  const pipeline = new Pipeline(
    config,
    { get: () => provider },
    { governor: governor as unknown as Governor, prices: {} as PriceBook, modelLimits: new Map() },
    { guardOutput: [failing] },
  );
  await assert.rejects(pipeline.run(newExchange('chat', context(), {}, request)), /dropped/);
  assert.equal(released(), true, 'the upstream stream was returned');
  assert.equal(settled, 1);
});
