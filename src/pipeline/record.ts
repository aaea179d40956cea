// The record stage: notes in the request's record what was asked (model, streaming, tags, the
// request body as the body-logging mode allows) and, once the answer is over, what was answered.
// It is the outermost stage, so it sees the request as the caller sent it and the answer as the
// caller receives it; it taps a stream only when bodies are logged.
import type { RequestRecord } from '../core/records/index.ts';
import type { RequestContext } from './context.ts';
import { AnswerLog, type BodyLogging, chatRequestLog, embeddingsRequestLog } from './bodies.ts';
import type { Answer, Exchange, Stage } from './stage.ts';

export function recordStage(bodyLogging: (ctx: RequestContext) => BodyLogging): Stage {
  return {
    name: 'record',
    run(ex: Exchange, next: () => Promise<Answer>): Promise<Answer> {
      const record = ex.ctx.record;
      const req = ex.request;
      record.model = req.model;
      if (ex.operation === 'count_tokens') return next();
      const mode = bodyLogging(ex.ctx);
      if (ex.operation === 'embeddings') {
        const body = embeddingsRequestLog(mode, ex.request.input.length, ex.body);
        if (body !== undefined) record.requestBody = body;
        return next();
      }
      const chat = ex.request;
      record.stream = chat.stream;
      if (chat.metadata) record.tags = { ...chat.metadata, ...record.tags };
      const body = chatRequestLog(mode, chat, ex.body);
      if (body !== undefined) record.requestBody = body;
      // Without body logging there is nothing to note of the answer: no frame waits for it.
      return mode === 'off' ? next() : next().then((answer) => logAnswer(record, mode, answer));
    },
  };
}

function logAnswer(record: RequestRecord, mode: BodyLogging, answer: Answer): Answer {
  const log = new AnswerLog(mode);
  if (answer.kind === 'result') {
    log.response(answer.result.response);
    record.responseBody = log.result();
  } else if (answer.kind === 'stream') {
    answer.stream.tap((chunk) => log.chunk(chunk));
    answer.stream.onEnd(() => {
      record.responseBody = log.result();
    });
  }
  return answer;
}
