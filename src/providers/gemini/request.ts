// IR ChatRequest → Gemini `generateContent` body. Gemini is never a pass-through target (no client
// speaks its dialect to the gateway), so the body is always encoded from the IR; settings Gemini
// cannot honour become warnings.
import { GatehouseError } from '../../core/errors/index.ts';
import type { ChatRequest, ToolChoice } from '../../core/ir/index.ts';
import { encodeGeminiContents } from './contents.ts';
import type {
  GeminiGenerationConfig,
  GeminiRequestBody,
  GeminiThinkingConfig,
  GeminiToolConfig,
} from './wire.ts';

export interface EncodedGeminiRequest {
  body: GeminiRequestBody;
  warnings: string[];
}

/**
 * Thinking budgets for OpenAI's `reasoning_effort`, as Google's own OpenAI-compatible endpoint maps
 * them (low 1K, medium 8K, high 24K); `minimal` has no published budget and gets the smallest.
 */
const budgetOfEffort = { minimal: 1024, low: 1024, medium: 8192, high: 24576 } as const;

export function encodeGeminiRequest(req: ChatRequest): EncodedGeminiRequest {
  const warnings: string[] = [];
  if (req.n !== undefined && req.n > 1) {
    // Gemini could generate several candidates, but the IR answer carries one.
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      'Gemini is served with one choice per request; n must be 1.',
      {
        param: 'n',
      },
    );
  }
  const body: GeminiRequestBody = { contents: encodeGeminiContents(req.messages, warnings) };
  const system = (req.system ?? []).filter((part) => part.text !== '');
  if (system.length > 0) body.systemInstruction = { parts: system.map((part) => ({ text: part.text })) };
  if (req.tools && req.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: req.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description !== undefined ? { description: tool.description } : {}),
          parametersJsonSchema: tool.parameters,
        })),
      },
    ];
    if (req.toolChoice) body.toolConfig = encodeToolChoice(req.toolChoice);
    if (req.tools.some((tool) => tool.strict)) {
      warnings.push(
        'Strict tool schemas are not enforced by Gemini; the schemas were sent as plain JSON Schema.',
      );
    }
  }
  if (req.parallelToolCalls === false) {
    warnings.push(
      'parallel_tool_calls=false is not supported by Gemini, which may still call several tools at once.',
    );
  }
  const generationConfig = encodeGenerationConfig(req, warnings);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  if (req.user !== undefined) warnings.push('user is not supported by Gemini and was ignored.');
  if (req.metadata && Object.keys(req.metadata).length > 0) {
    warnings.push('metadata is not supported by Gemini and was ignored.');
  }
  return { body, warnings };
}

function encodeGenerationConfig(req: ChatRequest, warnings: string[]): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (req.maxTokens !== undefined) config.maxOutputTokens = req.maxTokens;
  if (req.temperature !== undefined) config.temperature = req.temperature;
  if (req.topP !== undefined) config.topP = req.topP;
  if (req.topK !== undefined) config.topK = req.topK;
  if (req.stop && req.stop.length > 0) config.stopSequences = req.stop;
  if (req.seed !== undefined) config.seed = req.seed;
  if (req.n !== undefined) config.candidateCount = req.n;
  const format = req.responseFormat;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = format.schema;
  }
  const thinking = encodeThinking(req, warnings);
  if (thinking) config.thinkingConfig = thinking;
  return config;
}

function encodeThinking(req: ChatRequest, warnings: string[]): GeminiThinkingConfig | undefined {
  if (req.thinking?.type === 'enabled') {
    if (req.reasoningEffort !== undefined) {
      warnings.push('reasoning_effort was ignored because a thinking budget was given.');
    }
    return { thinkingBudget: req.thinking.budgetTokens, includeThoughts: true };
  }
  // A budget of 0 turns thinking off where the model allows it (Gemini 2.5 Pro refuses, and says so).
  if (req.thinking?.type === 'disabled') return { thinkingBudget: 0 };
  if (req.reasoningEffort !== undefined) return { thinkingBudget: budgetOfEffort[req.reasoningEffort] };
  return undefined;
}

function encodeToolChoice(choice: ToolChoice): GeminiToolConfig {
  switch (choice.type) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  }
}
