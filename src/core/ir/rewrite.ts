// Changing a request or an answer without lying. Same-dialect traffic goes out as the client's own
// body (`native`) and comes back as the upstream's own text (`raw`), so a change made to the IR
// alone would never reach the wire. These helpers return changed copies without those originals;
// the stages see requests and answers as Frozen, so a change cannot be made in place instead.
import type {
  ChatRequest,
  ChatResponse,
  ChatResult,
  EmbeddingsRequest,
  Part,
  StreamChunk,
  StreamPart,
  ToolResultPart,
} from './index.ts';

/** Deeply read-only: what a stage is given, so that it changes things only by replacing them. */
export type Frozen<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? ReadonlyArray<Frozen<U>>
    : T extends object
      ? { readonly [K in keyof T]: Frozen<T[K]> }
      : T;

/** The request with some fields replaced, and without the client's body: the upstream gets the IR. */
export function rewriteRequest<R extends ChatRequest | EmbeddingsRequest>(
  req: Frozen<R>,
  changes: Frozen<Partial<Omit<R, 'native'>>>,
): Frozen<R> {
  const copy = { ...req, ...changes } as { native?: unknown };
  delete copy.native;
  return copy as Frozen<R>;
}

type TextMap = (text: string) => string;
type Parts<P extends Part> = ReadonlyArray<Frozen<P>>;

/** The parts with their text through `fn`: the same array when nothing changed. */
function mapTextParts<P extends Part>(parts: Parts<P>, fn: TextMap): Parts<P> {
  let changed = false;
  const out = (parts as Parts<Part>).map((part): Frozen<Part> => {
    if (part.type === 'text') {
      const text = fn(part.text);
      if (text === part.text) return part;
      changed = true;
      return { ...part, text };
    }
    if (part.type === 'tool_result') {
      const content: Frozen<ToolResultPart['content']> =
        typeof part.content === 'string' ? fn(part.content) : mapTextParts(part.content, fn);
      if (content === part.content) return part;
      changed = true;
      return { ...part, content };
    }
    return part;
  });
  return changed ? (out as unknown as Parts<P>) : parts;
}

/**
 * Every text the caller wrote (system prompt, messages, tool results) through `fn`. The same request
 * when `fn` changed nothing, so unchanged traffic keeps its pass-through.
 */
export function mapRequestText(req: Frozen<ChatRequest>, fn: TextMap): Frozen<ChatRequest> {
  const system = req.system ? mapTextParts(req.system, fn) : undefined;
  let changed = system !== req.system;
  const messages = req.messages.map((message) => {
    const content = mapTextParts(message.content, fn);
    if (content === message.content) return message;
    changed = true;
    return { ...message, content };
  });
  if (!changed) return req;
  return rewriteRequest<ChatRequest>(req, system ? { system, messages } : { messages });
}

/** The result with another response, and without the upstream's body: the caller gets the IR. */
export function rewriteResult(
  result: Frozen<ChatResult>,
  response: Frozen<ChatResponse>,
): Frozen<ChatResult> {
  return result.warnings ? { response, warnings: result.warnings } : { response };
}

/** The answer's text through `fn`; the same result when nothing changed. */
export function mapResultText(result: Frozen<ChatResult>, fn: TextMap): Frozen<ChatResult> {
  const content = mapTextParts(result.response.content, fn);
  return content === result.response.content
    ? result
    : rewriteResult(result, { ...result.response, content });
}

/** A chunk with other parts, and without the upstream's event text. */
export function rewriteChunk(parts: ReadonlyArray<Frozen<StreamPart>>): Frozen<StreamChunk> {
  return { parts };
}

/** A chunk's streamed text through `fn`; the same chunk when nothing changed. */
export function mapChunkText(chunk: Frozen<StreamChunk>, fn: TextMap): Frozen<StreamChunk> {
  let changed = false;
  const parts = chunk.parts.map((part) => {
    if (part.type !== 'text') return part;
    const text = fn(part.text);
    if (text === part.text) return part;
    changed = true;
    return { ...part, text };
  });
  return changed ? rewriteChunk(parts) : chunk;
}

/**
 * The request that may go out as the client's body: `current` itself when it is the decoded request
 * or no field changed; otherwise a copy without `native`. A backstop for a stage that replaced the
 * request by hand (`{ ...req, messages }`): nested values cannot change in place (Frozen), so a
 * change shows in a top-level field.
 */
export function truthfulRequest<R extends ChatRequest | EmbeddingsRequest>(
  decoded: Frozen<R>,
  current: Frozen<R>,
): Frozen<R> {
  if (current === decoded || current.native === undefined) return current;
  const before = decoded as Record<string, unknown>;
  const after = current as Record<string, unknown>;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (key !== 'native' && before[key] !== after[key])
      return rewriteRequest<R>(current, {} as Frozen<Partial<Omit<R, 'native'>>>);
  }
  return current;
}

/**
 * A Frozen value for code that only reads it and is typed for plain values (providers, surface
 * encoders): Frozen is a compile-time view, the object underneath is the same.
 */
export function readOnly<T>(value: Frozen<T>): T {
  return value as unknown as T;
}
