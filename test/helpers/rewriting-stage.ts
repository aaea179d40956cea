// A stage that rewrites text both ways, for the tests that prove a change made to the IR reaches
// the wire: it masks a secret in what the caller wrote and, when it did, shouts the answer back.
import { mapChunkText, mapRequestText, mapResultText } from '../../src/core/ir/rewrite.ts';
import type { Stage } from '../../src/pipeline/index.ts';

export const secret = 'hunter2';
export const mask = '[MASKED]';
export const shout = (text: string) => text.toUpperCase();

export const rewriting: Stage = {
  name: 'rewrite-test',
  async run(ex, next) {
    if (ex.operation !== 'chat') return next();
    const asked = ex.request;
    ex.request = mapRequestText(asked, (text) => text.replaceAll(secret, mask));
    if (ex.request === asked) return next();
    const answer = await next();
    if (answer.kind === 'result') return { kind: 'result', result: mapResultText(answer.result, shout) };
    if (answer.kind === 'stream') answer.stream.map((chunk) => mapChunkText(chunk, shout));
    return answer;
  },
};
