// A chat.completion → IR ChatResponse. Only the first choice becomes IR; with n > 1 the others
// reach an OpenAI-format client through the raw body.
import { randomUUID } from 'node:crypto';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatResponse } from '../../core/ir/index.ts';
import { openaiStreamError } from './errors.ts';
import { openaiFinishReasonToIr } from './finish-reason.ts';
import { openaiUsageToIr } from './usage.ts';
import type { OpenAIAnswerMessage, OpenAIChoice, OpenAICompletion } from './wire.ts';

export function decodeOpenAICompletion(provider: string, body: unknown, model: string): ChatResponse {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw notACompletion(provider);
  const completion = body as OpenAICompletion;
  // Some compatible servers report a failure with status 200.
  if (completion.error !== undefined && completion.error !== null) {
    throw openaiStreamError(provider, JSON.stringify(body));
  }
  const choice = firstChoice(completion.choices) ?? completion.choices?.[0];
  if (!choice?.message) throw notACompletion(provider);
  const content = decodeAnswerMessage(choice.message);
  return {
    id: typeof completion.id === 'string' && completion.id !== '' ? completion.id : generatedCompletionId(),
    model: typeof completion.model === 'string' && completion.model !== '' ? completion.model : model,
    content,
    finishReason: openaiFinishReasonToIr(
      choice.finish_reason,
      content.some((part) => part.type === 'tool_call'),
    ),
    usage: openaiUsageToIr(completion.usage),
  };
}

/**
 * The choice with index 0, or one without an index (servers that leave it out send one choice).
 * In a stream with n > 1 a chunk may carry only another choice's delta: then there is none.
 */
export function firstChoice(choices: OpenAIChoice[] | undefined): OpenAIChoice | undefined {
  if (!Array.isArray(choices)) return undefined;
  return (
    choices.find((choice) => choice?.index === 0) ?? choices.find((choice) => choice?.index === undefined)
  );
}

function decodeAnswerMessage(message: OpenAIAnswerMessage): ChatResponse['content'] {
  const content: ChatResponse['content'] = [];
  const reasoning = reasoningText(message);
  if (reasoning) content.push({ type: 'thinking', text: reasoning });
  if (typeof message.content === 'string' && message.content !== '') {
    content.push({ type: 'text', text: message.content });
  } else if (typeof message.refusal === 'string' && message.refusal !== '') {
    // A refusal is what the model said instead of an answer; the IR has no separate place for it.
    content.push({ type: 'text', text: message.refusal });
  }
  for (const call of message.tool_calls ?? []) {
    const name = call?.function?.name;
    if (typeof name !== 'string' || name === '') continue;
    content.push({
      type: 'tool_call',
      id: typeof call.id === 'string' && call.id !== '' ? call.id : generatedToolCallId(),
      name,
      arguments: argumentsText(call.function?.arguments),
    });
  }
  const legacy = message.function_call;
  if (legacy && typeof legacy.name === 'string' && legacy.name !== '') {
    content.push({
      type: 'tool_call',
      id: generatedToolCallId(),
      name: legacy.name,
      arguments: argumentsText(legacy.arguments),
    });
  }
  return content;
}

/** Reasoning text from the compatible servers that send it (vLLM and DeepSeek name it differently). */
export function reasoningText(message: OpenAIAnswerMessage): string | undefined {
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '')
    return message.reasoning_content;
  if (typeof message.reasoning === 'string' && message.reasoning !== '') return message.reasoning;
  return undefined;
}

/** The IR spells "no arguments" as "{}"; some servers send "", an object, or leave the field out. */
export function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value.trim() !== '' ? value : '{}';
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : '{}';
}

export function generatedCompletionId(): string {
  return `chatcmpl-gh${randomUUID().replaceAll('-', '')}`;
}

/** Compatible servers that leave out tool-call ids still need one: results are matched by it. */
export function generatedToolCallId(): string {
  return `call_gh${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

function notACompletion(provider: string): GatehouseError {
  return new GatehouseError(
    'GH_UPSTREAM_PROTOCOL',
    `${provider} answered with something that is not a chat completion.`,
    { provider },
  );
}
