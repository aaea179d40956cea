// The body sent to /chat/completions: the client's own body when it spoke OpenAI (pass-through),
// otherwise encoded from the IR. Settings Chat Completions cannot honour become warnings.
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, ResponseFormat, ToolChoice } from '../../core/ir/index.ts';
import { encodeOpenAIMessages, encodeOpenAISystem } from './messages.ts';
import type { OpenAIRequestBody, OpenAIResponseFormat, OpenAIToolChoice } from './wire.ts';

export interface EncodedRequest {
  body: Record<string, unknown>;
  warnings: string[];
}

export function openaiRequestBody(req: ChatRequest, model: string, stream: boolean): EncodedRequest {
  if (req.native?.dialect === 'openai') {
    // Same dialect: every field goes as it came (n, logit_bias, logprobs, modalities, fields added
    // after this was written); only the model and the stream settings change.
    return { body: withStream({ ...req.native.body, model }, stream), warnings: [] };
  }
  const { body, warnings } = encodeOpenAIRequest(req, model);
  return { body: withStream({ ...body }, stream), warnings };
}

/** IR → Chat Completions request (without the stream settings). */
export function encodeOpenAIRequest(
  req: ChatRequest,
  model: string,
): { body: OpenAIRequestBody; warnings: string[] } {
  const warnings: string[] = [];
  if (req.n !== undefined && req.n > 1) {
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      'Several choices (n > 1) are only served to OpenAI-format clients; n must be 1 here.',
      { param: 'n' },
    );
  }
  const body: OpenAIRequestBody = {
    model,
    messages: [...encodeOpenAISystem(req.system), ...encodeOpenAIMessages(req.messages, warnings)],
  };
  // OpenAI refuses tool_choice and parallel_tool_calls when no tools are offered.
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        parameters: tool.parameters,
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    }));
    if (req.toolChoice) body.tool_choice = encodeToolChoice(req.toolChoice);
    if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  }
  if (req.maxTokens !== undefined) body.max_completion_tokens = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop && req.stop.length > 0) body.stop = req.stop;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.user !== undefined) body.user = req.user;
  if (req.responseFormat) body.response_format = encodeResponseFormat(req.responseFormat);
  if (req.reasoningEffort !== undefined) body.reasoning_effort = req.reasoningEffort;
  if (req.topK !== undefined) warnings.push('top_k is not supported by OpenAI and was ignored.');
  if (req.thinking?.type === 'enabled') {
    warnings.push(
      'A thinking budget is not supported by OpenAI Chat Completions and was ignored; reasoning models reason by themselves.',
    );
  }
  if (req.metadata && Object.keys(req.metadata).length > 0) {
    warnings.push('metadata is not sent to OpenAI (it requires stored completions) and was ignored.');
  }
  return { body, warnings };
}

/**
 * Streams always ask for usage: the gateway needs it for accounting. A client that did not ask
 * for it gets the usage chunk dropped by its surface (it is a chunk of its own).
 */
function withStream(body: Record<string, unknown>, stream: boolean): Record<string, unknown> {
  if (stream) {
    const options = body.stream_options;
    body.stream = true;
    body.stream_options = {
      ...(options && typeof options === 'object' && !Array.isArray(options) ? options : {}),
      include_usage: true,
    };
  } else {
    // OpenAI refuses stream_options on a request that does not stream.
    delete body.stream;
    delete body.stream_options;
  }
  return body;
}

function encodeToolChoice(choice: ToolChoice): OpenAIToolChoice {
  if (choice.type === 'tool') return { type: 'function', function: { name: choice.name } };
  return choice.type;
}

function encodeResponseFormat(format: ResponseFormat): OpenAIResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      schema: format.schema,
      ...(format.strict !== undefined ? { strict: format.strict } : {}),
      ...(format.description !== undefined ? { description: format.description } : {}),
    },
  };
}
