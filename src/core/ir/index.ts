// The internal representation (IR) that every surface decodes into and every provider encodes from.
// Anthropic-shaped where the dialects differ: tool results are parts of a user message, the system
// prompt sits outside the messages, and tool-call arguments are kept as JSON text so that a
// fragmentary stream can be forwarded without re-serialising.

/** A wire dialect. Same-dialect traffic is passed through; different dialects are translated. */
export type Dialect = 'openai' | 'openai-responses' | 'anthropic' | 'gemini' | 'bedrock' | 'mock';

export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface TextPart {
  type: 'text';
  text: string;
  cacheControl?: CacheControl;
}

export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

export interface ImagePart {
  type: 'image';
  source: ImageSource;
  /** OpenAI's `detail` hint; other dialects ignore it. */
  detail?: 'auto' | 'low' | 'high';
  cacheControl?: CacheControl;
}

export interface ToolCallPart {
  type: 'tool_call';
  id: string;
  name: string;
  /** The arguments as JSON text (`"{}"` when there are none). */
  arguments: string;
  /** Gemini's `thoughtSignature`, which must travel back on the same part in later turns. */
  signature?: string;
}

export interface ToolResultPart {
  type: 'tool_result';
  toolCallId: string;
  /** The called tool's name, where the client said it (Gemini needs it; it is looked up otherwise). */
  name?: string;
  content: string | Array<TextPart | ImagePart>;
  isError?: boolean;
  cacheControl?: CacheControl;
}

export interface ThinkingPart {
  type: 'thinking';
  text: string;
  signature?: string;
}

export interface RedactedThinkingPart {
  type: 'redacted_thinking';
  data: string;
}

export type Part = TextPart | ImagePart | ToolCallPart | ToolResultPart | ThinkingPart | RedactedThinkingPart;

export interface Message {
  role: 'user' | 'assistant';
  content: Part[];
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  strict?: boolean;
  cacheControl?: CacheControl;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      strict?: boolean;
      description?: string;
    };

/** The client's original request body, kept so that same-dialect traffic can be passed through. */
export interface NativeBody {
  /** `openai-completions` (the legacy surface) never matches a provider: it is always translated. */
  dialect: 'openai' | 'openai-responses' | 'openai-completions' | 'anthropic';
  body: Record<string, unknown>;
}

export interface ChatRequest {
  /** The model name the client asked for (a configured alias or `provider/model`). */
  model: string;
  system?: TextPart[];
  messages: Message[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  user?: string;
  /** Number of choices; only OpenAI-dialect providers serve more than one. */
  n?: number;
  responseFormat?: ResponseFormat;
  /** Extended thinking (Anthropic `thinking`, Gemini `thinkingConfig`, Bedrock reasoning). */
  thinking?: { type: 'enabled'; budgetTokens: number } | { type: 'disabled' };
  /** OpenAI `reasoning_effort`. */
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high';
  /** OpenAI `metadata`, within tagLimits: it is stored as the request's tags. */
  metadata?: Record<string, string>;
  stream: boolean;
  /** Whether the client wants usage in the stream (OpenAI `stream_options.include_usage`). */
  includeUsage: boolean;
  /**
   * The client's original body, for same-dialect pass-through; absent once a stage changed the
   * request (core/ir/rewrite.ts drops it), so that the change is what goes upstream.
   */
  native?: NativeBody;
}

/** Why generation ended, in the gateway's words (OpenAI's vocabulary plus a few finer ones). */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';

export interface Usage {
  /** All input tokens, including cache reads and cache writes. */
  inputTokens: number;
  /** All output tokens, including reasoning tokens. */
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** The part of cacheWriteTokens written with a 1-hour lifetime (Anthropic), priced above the rest. */
  cacheWrite1hTokens?: number;
  reasoningTokens?: number;
}

export interface ChatResponse {
  id: string;
  /** The model that served the request, as the provider reported it. */
  model: string;
  content: Array<TextPart | ToolCallPart | ThinkingPart | RedactedThinkingPart>;
  finishReason: FinishReason;
  /** The stop sequence that ended generation, when the provider says which. */
  stopSequence?: string;
  usage: Usage;
}

/** The provider's own response, for same-dialect pass-through. */
export interface RawBody {
  dialect: Dialect;
  body: unknown;
  /** The body's JSON text as it arrived, so that a pass-through answer is not serialised again. */
  text?: string;
}

/** JSON text that is already serialised: the responder sends it as it is. */
export class JsonText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A same-dialect answer for the caller: the text it came as when kept, else its parsed body. */
export function passThrough(raw: RawBody): Record<string, unknown> | JsonText {
  return raw.text === undefined ? (raw.body as Record<string, unknown>) : new JsonText(raw.text);
}

export interface ChatResult {
  response: ChatResponse;
  raw?: RawBody;
  warnings?: string[];
}

export type StreamPart =
  | { type: 'start'; id: string; model: string }
  | { type: 'text'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'thinking_signature'; signature: string }
  | { type: 'redacted_thinking'; data: string }
  /** `index` counts tool calls within the message (0, 1, …), not content blocks. */
  | { type: 'tool_call_start'; index: number; id: string; name: string; signature?: string }
  | { type: 'tool_call_delta'; index: number; arguments: string }
  | { type: 'tool_call_end'; index: number }
  /** Usage known so far (cumulative); the last one seen is the final count. */
  | { type: 'usage'; usage: Usage }
  /** Always the last part of a successful stream. */
  | { type: 'finish'; finishReason: FinishReason; stopSequence?: string; usage: Usage };

/** One upstream event: what it means in IR, and its original text for same-dialect pass-through. */
export interface StreamChunk {
  parts: StreamPart[];
  raw?: { event?: string; data: string };
}

/**
 * A provider's streamed answer. Iterating it yields chunks until the upstream finishes; an upstream
 * failure mid-stream is thrown as a GatehouseError from the iterator.
 */
export interface ChatStream extends AsyncIterable<StreamChunk> {
  readonly dialect: Dialect;
  readonly warnings?: string[];
  /**
   * The same chunks, those of each upstream read at once, where the provider can tell reads apart.
   * Each call starts the one reading of the answer: use it or the iterator, not both.
   */
  batches?(): AsyncGenerator<StreamChunk[]>;
}

export interface EmbeddingsRequest {
  model: string;
  input: string[] | number[][];
  encodingFormat?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  /**
   * The client's original body, for same-dialect pass-through; absent once a stage changed the
   * request (core/ir/rewrite.ts drops it), so that the change is what goes upstream.
   */
  native?: NativeBody;
}

export interface EmbeddingsResult {
  model: string;
  /** One vector per input, in input order. */
  embeddings: number[][];
  usage: { inputTokens: number };
  raw?: RawBody;
}

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0 });

/**
 * Caller-supplied tags (the x-gatehouse-tags header, OpenAI `metadata`) are bounded alike: each pair
 * becomes part of the request log's row and a rollup row, so one request cannot store thousands.
 */
export const tagLimits = { pairs: 20, keyChars: 64, valueChars: 256 } as const;
