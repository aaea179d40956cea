// How a provider is described to the shared conformance cases (cases.ts): its mock upstream, how
// to configure it, and what its recorded fixtures say a client should see, case by case. Each
// provider's description is in subjects/<name>.ts.
import type { ServerResponse } from 'node:http';
import type { GatehouseError } from '../../src/core/errors/index.ts';
import type {
  ChatRequest,
  ChatResult,
  ChatStream,
  Dialect,
  EmbeddingsRequest,
  EmbeddingsResult,
  FinishReason,
  NativeBody,
  Part,
  StreamChunk,
  StreamPart,
  ToolDefinition,
  Usage,
} from '../../src/core/ir/index.ts';
import type { HttpClient } from '../../src/providers/http.ts';
import type { CallOptions, Provider } from '../../src/providers/types.ts';
import { fixtureJson, fixtureText } from '../fixtures/index.ts';
import type { Fault, MockUpstream, RecordedRequest } from '../upstreams/server.ts';

/** What the cases share with a provider's own cases: filled in before the first case runs. */
export interface Harness {
  upstream: MockUpstream;
  provider: Provider;
  http: HttpClient;
  lastRequest(): RecordedRequest;
}

/** Reads fixtures and remembers which, so the last case can check that none was left out. */
export class Fixtures {
  readonly #dirs: readonly string[];
  readonly used = new Set<string>();

  constructor(dirs: readonly string[]) {
    this.#dirs = dirs;
  }

  get dirs(): readonly string[] {
    return this.#dirs;
  }

  json<T = any>(file: string, dir = this.#dirs[0]!): T {
    this.use(file, dir);
    return fixtureJson<T>(dir, file);
  }

  text(file: string, dir = this.#dirs[0]!): string {
    this.use(file, dir);
    return fixtureText(dir, file);
  }

  /** Marks a file as exercised where a case reads it through the mock upstream rather than here. */
  use(file: string, dir = this.#dirs[0]!): void {
    this.used.add(`${dir}/${file}`);
  }
}

/** A tool call as a client sees it: the id only where the wire carries a stable one. */
export interface ExpectedToolCall {
  id?: string;
  name: string;
  arguments: unknown;
}

/** A stream put back together the way a surface encoder would (see `reassemble`). */
export interface Reassembled {
  text: string;
  thinking: string;
  signature: string;
  toolCalls: Array<{ id: string; name: string; arguments: unknown; signature?: string }>;
  finish: Extract<StreamPart, { type: 'finish' }>;
}

/** The first call of the recorded conversation: what goes upstream, and that its answer arrives. */
export interface RequestCase {
  title: string;
  call: 'complete' | 'stream';
  req: ChatRequest;
  /** A provider configured differently from the harness's one (extra headers, organisation…). */
  provider?: (h: Harness) => Provider;
  /** Headers the gateway propagates (e.g. `traceparent`). */
  propagated?: Record<string, string>;
  url: string;
  /** Headers the upstream must see: a value, a pattern, or undefined for "not sent". */
  headers: Record<string, string | RegExp | undefined>;
  /** The text of the answer the upstream gives to the recorded turn. */
  text: string;
  /** The body, field by field against the recording. */
  check(sent: RecordedRequest, answer: { result?: ChatResult; stream?: ChatStream }): void;
}

/** A non-streamed answer. */
export interface AnswerCase {
  title: string;
  req: ChatRequest;
  model?: string;
  /** The whole content, when the case pins it. */
  content?: Part[];
  toolCalls?: ExpectedToolCall[];
  finishReason?: FinishReason;
  usage?: Usage;
  /** Same-dialect providers keep the answer as it came (for pass-through): the body the mock served. */
  servedBody?: () => unknown;
  check?(result: ChatResult, sent: RecordedRequest): void;
}

/** A streamed answer, reassembled the way a surface encoder would. */
export interface StreamCase {
  title: string;
  req: ChatRequest;
  url?: string;
  text: string;
  toolCalls?: ExpectedToolCall[];
  thinking?: string;
  finishReason: FinishReason;
  usage: Usage;
  check?(seen: {
    chunks: StreamChunk[];
    parts: StreamPart[];
    answer: Reassembled;
    sent: RecordedRequest;
    stream: ChatStream;
  }): void;
}

export type ExpectedError = Partial<
  Pick<
    GatehouseError,
    'code' | 'status' | 'retryable' | 'retryAfter' | 'upstreamStatus' | 'upstreamType' | 'provider' | 'param'
  >
>;

/** An upstream error answer, and what it becomes. */
export interface ErrorCase {
  title: string;
  fault: Fault;
  /** 'both': the same answer fails `complete()` and, before any event, `stream()`. */
  call: 'complete' | 'stream' | 'both';
  req?: ChatRequest;
  expect: ExpectedError;
  message?: RegExp;
}

/** A recorded 429 and its recorded headers: rate limited, retryable after the recorded Retry-After. */
export function recordedRateLimit(fixtures: Fixtures, upstreamType: string): ErrorCase {
  const recorded = fixtures.json('error-429.headers.json');
  return {
    title: 'error-429.json with its headers → GH_UPSTREAM_RATE_LIMITED honouring retry-after',
    fault: {
      kind: 'status',
      status: recorded.status,
      body: fixtures.json('error-429.json'),
      headers: recorded.headers,
    },
    call: 'stream',
    expect: {
      code: 'GH_UPSTREAM_RATE_LIMITED',
      status: 429,
      retryable: true,
      retryAfter: Number(recorded.headers['retry-after']),
      upstreamType,
    },
  };
}

/** An error event after the first events of a stream (the mock's `stream-error` fault). */
export interface MidStreamErrorCase {
  title: string;
  req: ChatRequest;
  expect: ExpectedError;
  message?: RegExp;
  /** The text streamed before the error: as recorded, some, or none (the error comes before any). */
  textBefore: string | 'some' | 'none';
  check?(seen: StreamPart[]): void;
}

/** An upstream that ends its stream before the dialect's end event. */
export interface TruncatedStreamCase {
  title: string;
  req: ChatRequest;
  serve(res: ServerResponse): void | Promise<void>;
  expect: ExpectedError;
  message?: RegExp;
  check?(seen: StreamPart[]): void;
}

/** A request the provider cannot carry, refused before anything is sent. */
export interface RefusalCase {
  title: string;
  call(provider: Provider): Promise<unknown>;
  expect: ExpectedError;
}

/** A setting the provider cannot honour, reported as a warning rather than dropped silently. */
export interface WarningCase {
  title: string;
  call: 'complete' | 'stream';
  req: ChatRequest;
  warning: RegExp;
}

export interface EmbeddingsCase {
  title: string;
  req: EmbeddingsRequest;
  model: string;
  /** Every URL called upstream, in order. */
  urls: string[];
  embeddings: number[][];
  usage: EmbeddingsResult['usage'];
  resultModel: string;
  check?(result: EmbeddingsResult, sent: RecordedRequest[]): void;
}

export interface ConformanceSubject {
  /** The provider as named in test titles. */
  name: string;
  dialect: Dialect;
  model: string;
  /** A plain one-message request, for the cases where the question does not matter. */
  plain: ChatRequest;
  fixtures: Fixtures;
  startUpstream(): Promise<MockUpstream>;
  /** The provider under test, configured against an upstream at `url` (the mock, a cut or hanging stream). */
  create(url: string, http: HttpClient): Provider;
  /** Configured with a credential the mock upstream refuses. */
  createWithWrongKey?(url: string, http: HttpClient): Provider;
  wrongKey?: { expect: ExpectedError; message?: RegExp };
  request: RequestCase;
  answers: AnswerCase[];
  streams: StreamCase[];
  midStreamError: MidStreamErrorCase;
  truncatedStream?: TruncatedStreamCase;
  /** One recorded stream event; a stream abandoned after it must let go of the upstream. */
  hangingStream?: { req: ChatRequest; firstEvent: string };
  errors: ErrorCase[];
  refusals?: RefusalCase[];
  warnings?: WarningCase[];
  /** Undefined: the provider has no embeddings, and says so by having no `embed`. */
  embeddings?: EmbeddingsCase[];
}

export function callOptions(headers?: Record<string, string>): CallOptions {
  return {
    signal: new AbortController().signal,
    timeouts: { connectMs: 5_000, firstByteMs: 5_000, totalMs: 10_000 },
    requestId: 'req-conformance',
    ...(headers ? { headers } : {}),
  };
}

/**
 * Requests as a surface of dialect `from` decodes them: "Hello", unless `extra` says otherwise. A
 * native body of another dialect than the provider's means nothing is passed through.
 */
export function requestsFrom(from: NativeBody['dialect']): (extra?: Partial<ChatRequest>) => ChatRequest {
  return (extra = {}) => ({
    model: 'alias',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    stream: false,
    includeUsage: false,
    native: { dialect: from, body: {} },
    ...extra,
  });
}

/** The first turn of the recorded weather conversations: the user asks, with the weather tool offered. */
export function weatherQuestion(
  request: (extra?: Partial<ChatRequest>) => ChatRequest,
  tool: ToolDefinition,
  extra: Partial<ChatRequest> = {},
): ChatRequest {
  return request({
    tools: [tool],
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: "What's the weather in Lisbon and in Porto right now?" }],
      },
    ],
    ...extra,
  });
}
