// IR → an OpenAI Responses API request (`POST /v1/responses`): instructions for the system prompt,
// input items for the conversation (function calls and their outputs are items of their own), flat
// function tools. Nothing is stored upstream (`store: false`): the gateway sends the whole turn.
// A caller that spoke the Responses API itself is passed through: its body goes as it came (built-in
// tools, `include`, fields added after this was written), with the gateway's model and store: false.
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, ImagePart, Part } from '../../core/ir/index.ts';

type Item = Record<string, unknown>;

export function responsesRequestBody(
  req: ChatRequest,
  model: string,
  stream: boolean,
): { body: Record<string, unknown>; warnings: string[] } {
  if (req.native?.dialect === 'openai-responses') {
    const body: Record<string, unknown> = { ...req.native.body, model, store: false };
    // The gateway keeps conversation state itself: the caller's surface has already expanded it.
    delete body.previous_response_id;
    if (stream) body.stream = true;
    else delete body.stream;
    return { body, warnings: [] };
  }
  const warnings: string[] = [];
  if ((req.n ?? 1) > 1)
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      'n: the Responses API returns one answer per request.',
      { param: 'n' },
    );
  const input: Item[] = [];
  for (const message of req.messages) {
    let content: Item[] = [];
    const flush = () => {
      if (content.length > 0) input.push({ role: message.role, content });
      content = [];
    };
    for (const part of message.content) {
      const item = standaloneItem(part);
      if (item) {
        flush();
        input.push(item);
      } else {
        const piece = contentPiece(part, message.role);
        if (piece) content.push(piece);
      }
    }
    flush();
  }
  const body: Record<string, unknown> = { model, input, store: false };
  const instructions = (req.system ?? []).map((p) => p.text).join('\n\n');
  if (instructions) body.instructions = instructions;
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({
      type: 'function',
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      parameters: t.parameters,
      ...(t.strict !== undefined ? { strict: t.strict } : {}),
    }));
    if (req.toolChoice)
      body.tool_choice =
        req.toolChoice.type === 'tool'
          ? { type: 'function', name: req.toolChoice.name }
          : req.toolChoice.type;
    if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  }
  if (req.maxTokens !== undefined) body.max_output_tokens = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.user !== undefined) body.user = req.user;
  if (req.metadata) body.metadata = req.metadata;
  if (req.reasoningEffort) body.reasoning = { effort: req.reasoningEffort };
  if (req.responseFormat && req.responseFormat.type !== 'text') {
    body.text = {
      format:
        req.responseFormat.type === 'json_object'
          ? { type: 'json_object' }
          : {
              type: 'json_schema',
              name: req.responseFormat.name,
              schema: req.responseFormat.schema,
              ...(req.responseFormat.strict !== undefined ? { strict: req.responseFormat.strict } : {}),
            },
    };
  }
  if (req.stop && req.stop.length > 0)
    warnings.push('stop: the Responses API has no stop sequences; ignored');
  if (req.seed !== undefined) warnings.push('seed: the Responses API has no seed; ignored');
  if (req.topK !== undefined) warnings.push('top_k: not supported by OpenAI; ignored');
  if (stream) body.stream = true;
  return { body, warnings };
}

/** Function calls and their results are input items of their own, not message content. */
function standaloneItem(part: Part): Item | undefined {
  if (part.type === 'tool_call')
    return { type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments };
  if (part.type === 'tool_result') {
    const output =
      typeof part.content === 'string'
        ? part.content
        : part.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
    return { type: 'function_call_output', call_id: part.toolCallId, output };
  }
  return undefined;
}

function contentPiece(part: Part, role: 'user' | 'assistant'): Item | undefined {
  if (part.type === 'text')
    return { type: role === 'assistant' ? 'output_text' : 'input_text', text: part.text };
  if (part.type === 'image')
    return { type: 'input_image', image_url: imageUrl(part), detail: part.detail ?? 'auto' };
  return undefined; // thinking from other providers has no place in a Responses input
}

function imageUrl(part: ImagePart): string {
  return part.source.kind === 'url'
    ? part.source.url
    : `data:${part.source.mediaType};base64,${part.source.data}`;
}
