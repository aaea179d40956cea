// The OpenAI Chat Completions and Embeddings wire formats, as far as the gateway reads or writes them.
// Response-side fields are optional throughout: "compatible" servers (vLLM, Ollama, Groq…) leave out
// what OpenAI always sends, and the decoders tolerate that.

export type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAIMessageParam =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: OpenAIToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAITool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters: Record<string, unknown>;
    strict?: boolean;
  };
}

export type OpenAIToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; function: { name: string } };

export type OpenAIResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        schema: Record<string, unknown>;
        strict?: boolean;
        description?: string;
      };
    };

export interface OpenAIRequestBody {
  model: string;
  messages: OpenAIMessageParam[];
  tools?: OpenAITool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  user?: string;
  response_format?: OpenAIResponseFormat;
  reasoning_effort?: 'minimal' | 'low' | 'medium' | 'high';
  stream?: boolean;
  stream_options?: Record<string, unknown>;
}

export interface OpenAIUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** A tool call as answered: whole in a response, a fragment in a stream delta. */
export interface OpenAIToolCallFragment {
  index?: number;
  id?: string | null;
  type?: string;
  /** `arguments` is JSON text; a few compatible servers send the object itself. */
  function?: { name?: string | null; arguments?: string | Record<string, unknown> | null } | null;
}

export interface OpenAIAnswerMessage {
  role?: string;
  content?: string | null;
  refusal?: string | null;
  /** Not OpenAI: the reasoning text some compatible servers (vLLM, DeepSeek, Ollama) send. */
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: OpenAIToolCallFragment[] | null;
  /** The deprecated single-function form. */
  function_call?: { name?: string; arguments?: string } | null;
}

export interface OpenAIChoice {
  index?: number;
  message?: OpenAIAnswerMessage;
  delta?: OpenAIAnswerMessage;
  finish_reason?: string | null;
}

/** A chat.completion, or one chat.completion.chunk of a stream. */
export interface OpenAICompletion {
  id?: string;
  object?: string;
  model?: string;
  choices?: OpenAIChoice[];
  usage?: OpenAIUsage | null;
  error?: unknown;
}

export interface OpenAIEmbeddingsResponse {
  data?: Array<{ index?: number; embedding?: number[] | string }>;
  model?: string;
  usage?: { prompt_tokens?: number; total_tokens?: number } | null;
}
