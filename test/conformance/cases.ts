// The conformance cases every provider passes, written once (in the manner of hono's
// `common.case.test.ts`). Each provider's `<name>.test.ts` runs them with its subject
// (subjects/<name>.ts, in the terms of subject.ts), then the cases only it has.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { GatehouseError } from '../../src/core/errors/index.ts';
import type { ChatResult, ChatStream, Part, StreamChunk, StreamPart } from '../../src/core/ir/index.ts';
import { HttpClient } from '../../src/providers/http.ts';
import { fixturesDir } from '../fixtures/index.ts';
import { startHangingStream, startUpstream } from '../upstreams/server.ts';
import {
  type ConformanceSubject,
  callOptions,
  type ExpectedError,
  type ExpectedToolCall,
  type Harness,
  type Reassembled,
} from './subject.ts';

export async function collect(stream: ChatStream): Promise<{ chunks: StreamChunk[]; parts: StreamPart[] }> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, parts: chunks.flatMap((c) => c.parts) };
}

/** Reassembles IR stream parts the way a surface encoder would, checking the stream's shape. */
export function reassemble(parts: StreamPart[]): Reassembled {
  const calls = new Map<
    number,
    { id: string; name: string; arguments: string; ended: boolean; signature?: string }
  >();
  let text = '';
  let thinking = '';
  let signature = '';
  for (const part of parts) {
    if (part.type === 'text') text += part.text;
    if (part.type === 'thinking') thinking += part.text;
    if (part.type === 'thinking_signature') signature += part.signature;
    if (part.type === 'tool_call_start')
      calls.set(part.index, {
        id: part.id,
        name: part.name,
        arguments: '',
        ended: false,
        ...(part.signature ? { signature: part.signature } : {}),
      });
    if (part.type === 'tool_call_delta') calls.get(part.index)!.arguments += part.arguments;
    if (part.type === 'tool_call_end') calls.get(part.index)!.ended = true;
  }
  const finishes = parts.filter((p) => p.type === 'finish');
  assert.equal(finishes.length, 1, 'exactly one finish part');
  assert.equal(parts.at(-1)!.type, 'finish', 'the finish part is last');
  assert.equal(parts[0]!.type, 'start');
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => {
      assert.ok(call.ended, `tool call ${call.id} ended`);
      return {
        id: call.id,
        name: call.name,
        arguments: JSON.parse(call.arguments),
        ...(call.signature ? { signature: call.signature } : {}),
      };
    });
  return { text, thinking, signature, toolCalls, finish: finishes[0] as Reassembled['finish'] };
}

export function textOf(parts: readonly StreamPart[] | readonly Part[]): string {
  return parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

/** Checks a thrown error field by field; for `assert.rejects`. */
export function assertError(err: unknown, expected: ExpectedError, message?: RegExp): true {
  assert.ok(err instanceof GatehouseError, `expected a GatehouseError, got ${String(err)}`);
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(err[key as keyof GatehouseError], value, `${key} of ${err.code}: ${err.message}`);
  }
  if (message) assert.match(err.message, message);
  return true;
}

/** Tool calls as expected: ids compared only where the expectation has them. */
function comparableCalls(
  calls: Array<{ id: string; name: string; arguments: unknown }>,
  expected: ExpectedToolCall[],
) {
  return calls.map((call, i) => ({
    ...(expected[i]?.id !== undefined ? { id: call.id } : {}),
    name: call.name,
    arguments: call.arguments,
  }));
}

async function drain(stream: ChatStream, seen: StreamPart[]): Promise<void> {
  for await (const chunk of stream) seen.push(...chunk.parts);
}

/**
 * Registers the shared cases for one provider, then its own (`own`, given the harness), then the
 * check that every fixture file was exercised.
 */
export function runConformance(subject: ConformanceSubject, own: (h: Harness) => void = () => {}): void {
  const { fixtures, model } = subject;
  const h = { lastRequest: () => h.upstream.requests.at(-1)! } as Harness;

  before(async () => {
    h.http = new HttpClient();
    h.upstream = await subject.startUpstream();
    h.provider = subject.create(h.upstream.url, h.http);
  });

  after(async () => {
    await h.http.close();
    await h.upstream.close();
  });

  // 1. What goes upstream

  const request = subject.request;
  test(`${subject.name}: ${request.title}`, async () => {
    const provider = request.provider?.(h) ?? h.provider;
    const opts = callOptions(request.propagated);
    let text: string;
    let answer: { result?: ChatResult; stream?: ChatStream };
    if (request.call === 'stream') {
      const stream = await provider.stream(request.req, model, opts);
      assert.equal(stream.dialect, subject.dialect);
      text = reassemble((await collect(stream)).parts).text;
      answer = { stream };
    } else {
      const result = await provider.complete(request.req, model, opts);
      text = textOf(result.response.content);
      answer = { result };
    }
    const sent = h.lastRequest();
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, request.url);
    assert.match(String(sent.headers['content-type']), /^application\/json/);
    for (const [name, value] of Object.entries(request.headers)) {
      if (value instanceof RegExp) assert.match(String(sent.headers[name]), value, name);
      else assert.equal(sent.headers[name], value, name);
    }
    for (const [name, value] of Object.entries(request.propagated ?? {}))
      assert.equal(sent.headers[name], value, `the propagated ${name} is sent`);
    request.check(sent, answer);
    // The recorded turn ends in tool results, so the upstream answers it with text.
    assert.equal(text, request.text);
  });

  // 2. Answers, whole

  for (const answer of subject.answers) {
    test(`${subject.name}: ${answer.title}`, async () => {
      const result = await h.provider.complete(answer.req, answer.model ?? model, callOptions());
      const { response } = result;
      const sent = h.lastRequest();
      assert.equal(sent.body.stream ?? false, false, 'a whole answer is not asked as a stream');
      if (answer.content) assert.deepEqual(response.content, answer.content);
      if (answer.toolCalls) {
        const calls = response.content
          .filter((p) => p.type === 'tool_call')
          .map((c) => ({ id: c.id, name: c.name, arguments: JSON.parse(c.arguments) }));
        assert.deepEqual(comparableCalls(calls, answer.toolCalls), answer.toolCalls);
      }
      if (answer.finishReason) assert.equal(response.finishReason, answer.finishReason);
      if (answer.usage) assert.deepEqual(response.usage, answer.usage);
      if (answer.servedBody) {
        const { raw } = result;
        assert.deepEqual(raw, { dialect: subject.dialect, body: answer.servedBody(), text: raw!.text });
        assert.deepEqual(
          JSON.parse(raw!.text!),
          raw!.body,
          'the text kept for pass-through is the body as it came',
        );
      }
      answer.check?.(result, sent);
    });
  }

  // 3. Answers, streamed

  for (const streamed of subject.streams) {
    test(`${subject.name}: ${streamed.title}`, async () => {
      const stream = await h.provider.stream({ ...streamed.req, stream: true }, model, callOptions());
      assert.equal(stream.dialect, subject.dialect);
      const { chunks, parts } = await collect(stream);
      const sent = h.lastRequest();
      if (streamed.url) assert.equal(sent.url, streamed.url);
      const answer = reassemble(parts);
      assert.equal(answer.text, streamed.text);
      if (streamed.toolCalls)
        assert.deepEqual(comparableCalls(answer.toolCalls, streamed.toolCalls), streamed.toolCalls);
      else assert.deepEqual(answer.toolCalls, []);
      assert.deepEqual(
        parts.filter((p) => p.type === 'tool_call_start').map((p) => p.index),
        answer.toolCalls.map((_, i) => i),
        'tool indexes count tool calls from 0',
      );
      assert.ok(
        parts.every((p) => p.type !== 'tool_call_delta' || p.arguments !== ''),
        'empty argument fragments are skipped',
      );
      if (streamed.thinking !== undefined) {
        assert.equal(answer.thinking, streamed.thinking);
        const thinking = parts.filter((p) => p.type === 'thinking' || p.type === 'thinking_signature');
        assert.equal(thinking.at(-1)?.type, 'thinking_signature', 'the signature follows the thinking text');
      }
      assert.equal(answer.finish.finishReason, streamed.finishReason);
      assert.deepEqual(answer.finish.usage, streamed.usage);
      streamed.check?.({ chunks, parts, answer, sent, stream });
    });
  }

  const mid = subject.midStreamError;
  test(`${subject.name}: ${mid.title}`, async () => {
    h.upstream.faults.push({ kind: 'stream-error' });
    const stream = await h.provider.stream({ ...mid.req, stream: true }, model, callOptions());
    const seen: StreamPart[] = [];
    await assert.rejects(drain(stream, seen), (err) => assertError(err, mid.expect, mid.message));
    assert.equal(seen[0]?.type, 'start', 'the parts before the error reach the caller');
    if (mid.textBefore === 'some')
      assert.ok(textOf(seen).length > 0, 'the text before the error reaches the caller');
    else assert.equal(textOf(seen), mid.textBefore === 'none' ? '' : mid.textBefore);
    assert.ok(!seen.some((p) => p.type === 'finish'));
    mid.check?.(seen);
  });

  const truncated = subject.truncatedStream;
  if (truncated)
    test(`${subject.name}: ${truncated.title}`, async () => {
      const cut = await startUpstream(async (_req, res) => truncated.serve(res));
      try {
        const provider = subject.create(cut.url, h.http);
        const seen: StreamPart[] = [];
        await assert.rejects(
          async () =>
            drain(await provider.stream({ ...truncated.req, stream: true }, model, callOptions()), seen),
          (err) => assertError(err, { code: 'GH_UPSTREAM_PROTOCOL', ...truncated.expect }, truncated.message),
        );
        assert.equal(seen[0]?.type, 'start');
        assert.ok(seen.some((p) => p.type === 'text'));
        assert.ok(!seen.some((p) => p.type === 'finish'));
        truncated.check?.(seen);
      } finally {
        await cut.close();
      }
    });

  const hanging = subject.hangingStream;
  if (hanging)
    test(`${subject.name}: abandoning a stream early releases the upstream connection`, async () => {
      const endless = await startHangingStream(hanging.firstEvent);
      try {
        const provider = subject.create(endless.url, h.http);
        for await (const chunk of await provider.stream(
          { ...hanging.req, stream: true },
          model,
          callOptions(),
        )) {
          assert.equal(chunk.parts[0]?.type, 'start');
          break;
        }
        await endless.released; // settles only once the provider let go of the upstream response
      } finally {
        await endless.close();
      }
    });

  // 4. Error answers

  for (const error of subject.errors) {
    test(`${subject.name}: ${error.title}`, async () => {
      const req = error.req ?? subject.plain;
      if (error.call !== 'stream') {
        h.upstream.faults.push(error.fault);
        await assert.rejects(h.provider.complete({ ...req, stream: false }, model, callOptions()), (err) =>
          assertError(err, error.expect, error.message),
        );
      }
      if (error.call !== 'complete') {
        // Streams fail the same way: the error answer comes before any event.
        h.upstream.faults.push(error.fault);
        await assert.rejects(h.provider.stream({ ...req, stream: true }, model, callOptions()), (err) =>
          assertError(err, error.expect, error.message),
        );
      }
      assert.equal(h.upstream.faults.length, 0, 'every fault was served');
    });
  }

  const wrongKey = subject.wrongKey;
  if (wrongKey && subject.createWithWrongKey)
    test(`${subject.name}: a credential the upstream refuses → GH_UPSTREAM_AUTH (the gateway's config, not the caller)`, async () => {
      const wrong = subject.createWithWrongKey!(h.upstream.url, h.http);
      await assert.rejects(wrong.complete(subject.plain, model, callOptions()), (err) =>
        assertError(err, { code: 'GH_UPSTREAM_AUTH', ...wrongKey.expect }, wrongKey.message),
      );
    });

  for (const refusal of subject.refusals ?? []) {
    test(`${subject.name}: ${refusal.title}`, async () => {
      const sent = h.upstream.requests.length;
      await assert.rejects(refusal.call(h.provider), (err) => assertError(err, refusal.expect));
      assert.equal(h.upstream.requests.length, sent, 'nothing was sent upstream');
    });
  }

  for (const warning of subject.warnings ?? []) {
    test(`${subject.name}: ${warning.title}`, async () => {
      if (warning.call === 'complete') {
        const result = await h.provider.complete({ ...warning.req, stream: false }, model, callOptions());
        assert.match(result.warnings?.join('\n') ?? '', warning.warning);
      } else {
        const stream = await h.provider.stream({ ...warning.req, stream: true }, model, callOptions());
        assert.match(stream.warnings?.join('\n') ?? '', warning.warning);
        await collect(stream);
      }
    });
  }

  // 5. Embeddings

  if (!subject.embeddings)
    test(`${subject.name}: has no embeddings`, () => {
      assert.equal(h.provider.embed, undefined);
    });
  for (const embeddings of subject.embeddings ?? []) {
    test(`${subject.name}: ${embeddings.title}`, async () => {
      const before = h.upstream.requests.length;
      const result = await h.provider.embed!(embeddings.req, embeddings.model, callOptions());
      const sent = h.upstream.requests.slice(before);
      assert.deepEqual(
        sent.map((r) => r.url),
        embeddings.urls,
      );
      assert.deepEqual(result.embeddings, embeddings.embeddings);
      assert.deepEqual(result.usage, embeddings.usage);
      assert.equal(result.model, embeddings.resultModel);
      embeddings.check?.(result, sent);
    });
  }

  own(h);

  // 6. Every fixture is exercised

  test(`${subject.name}: every fixture in ${fixtures.dirs.join(' and ')} is used by the suite`, () => {
    const all = fixtures.dirs.flatMap((dir) =>
      readdirSync(`${fixturesDir}${dir}`).map((file) => `${dir}/${file}`),
    );
    assert.deepEqual([...fixtures.used].sort(), all.sort());
  });
}
