// What the request log keeps of bodies, per the caller's body-logging mode:
//   off      nothing;
//   metadata the shape of the call without any text (counts, roles, tool names, parameters);
//   full     the caller's request and the answer's text and tool calls, redacted first.
// Redaction runs here, before a body reaches the event queue, the spill file, the store or a trace.
import type { ChatRequest, ChatResponse, StreamChunk } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';
import { redactJson } from '../telemetry/index.ts';

export type BodyLogging = 'off' | 'metadata' | 'full';

/** Bodies longer than this (after redaction) are cut, so one call cannot bloat the log. */
const maxChars = 64 * 1024;

function bounded(value: unknown): string {
  const json = JSON.stringify(value);
  return json.length <= maxChars ? json : JSON.stringify({ truncated: true, head: json.slice(0, maxChars) });
}

export function chatRequestLog(
  mode: BodyLogging,
  req: Frozen<ChatRequest>,
  body: unknown,
): string | undefined {
  if (mode === 'off') return undefined;
  if (mode === 'full') return bounded(redactJson(body));
  const roles: Record<string, number> = {};
  let parts = 0;
  for (const message of req.messages) {
    roles[message.role] = (roles[message.role] ?? 0) + 1;
    parts += message.content.length;
  }
  return bounded({
    messages: req.messages.length,
    roles,
    parts,
    system: req.system !== undefined,
    tools: req.tools?.map((tool) => tool.name),
    tool_choice: req.toolChoice?.type,
    max_tokens: req.maxTokens,
    temperature: req.temperature,
    top_p: req.topP,
    response_format: req.responseFormat?.type,
    reasoning_effort: req.reasoningEffort,
    thinking: req.thinking?.type,
    stream: req.stream,
  });
}

export function embeddingsRequestLog(mode: BodyLogging, inputs: number, body: unknown): string | undefined {
  if (mode === 'off') return undefined;
  return bounded(mode === 'full' ? redactJson(body) : { inputs });
}

type AnswerPart =
  | { type: 'text' | 'thinking'; text: string }
  | { type: 'tool_call'; name: string; arguments: string };

/** The answer in one shape whether it was streamed or not, so both log alike. */
export class AnswerLog {
  readonly #mode: BodyLogging;
  readonly #parts: AnswerPart[] = [];
  #chars = 0;
  #finishReason: string | undefined;

  constructor(mode: BodyLogging) {
    this.#mode = mode;
  }

  get wanted(): boolean {
    return this.#mode !== 'off';
  }

  response(response: Frozen<ChatResponse>): void {
    this.#finishReason = response.finishReason;
    for (const part of response.content) {
      if (part.type === 'text' || part.type === 'thinking') this.#text(part.type, part.text);
      else if (part.type === 'tool_call')
        this.#parts.push({ type: 'tool_call', name: part.name, arguments: part.arguments });
    }
  }

  chunk(chunk: Frozen<StreamChunk>): void {
    for (const part of chunk.parts) {
      if (part.type === 'text' || part.type === 'thinking') this.#text(part.type, part.text);
      else if (part.type === 'tool_call_start')
        this.#parts.push({ type: 'tool_call', name: part.name, arguments: '' });
      else if (part.type === 'tool_call_delta') {
        const call = this.#parts.findLast((p) => p.type === 'tool_call');
        if (call?.type === 'tool_call' && this.#mode === 'full' && this.#chars < maxChars) {
          call.arguments += part.arguments;
          this.#chars += part.arguments.length;
        }
      } else if (part.type === 'finish') this.#finishReason = part.finishReason;
    }
  }

  #text(type: 'text' | 'thinking', text: string): void {
    this.#chars += text.length;
    if (this.#mode !== 'full') return; // metadata counts characters, keeps no text
    const last = this.#parts.at(-1);
    if (last?.type === type) {
      if (this.#chars < maxChars) last.text += text;
    } else this.#parts.push({ type, text: this.#chars < maxChars ? text : '' });
  }

  result(): string | undefined {
    if (this.#mode === 'off') return undefined;
    if (this.#mode === 'full')
      return bounded(redactJson({ finish_reason: this.#finishReason, content: this.#parts }));
    return bounded({
      finish_reason: this.#finishReason,
      output_chars: this.#chars,
      tool_calls: this.#parts.flatMap((p) => (p.type === 'tool_call' ? [p.name] : [])),
    });
  }
}
