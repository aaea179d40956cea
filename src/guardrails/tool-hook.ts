// Guardrails on what agents pass through the MCP gateway, as a tool-call hook: the arguments a
// client sends are checked (phase `tool_args`) before the tool runs — redacted in place or refused —
// and the tool's text results (phase `tool_results`) before the agent reads them: redacted, or
// withheld behind an error result the agent can read, which is how an injection planted in a web
// page or an issue comment is stopped before it reaches the model.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type ToolCallHook, ToolRefusal } from '../mcp/index.ts';
import type { ToolContentCheck } from './tools.ts';

export function guardrailToolHook(check: ToolContentCheck): ToolCallHook {
  return {
    async before(call) {
      const text = JSON.stringify(call.arguments);
      const outcome = await check({
        phase: 'tool_args',
        text,
        principal: call.principal,
        server: call.server,
        tool: call.tool,
        ...(call.record ? { record: call.record } : {}),
        signal: call.signal,
      });
      if (outcome.action === 'block')
        throw new ToolRefusal(
          'guardrail_blocked',
          outcome.error?.message ?? 'A guardrail refused the arguments.',
        );
      if (outcome.action === 'redacted') {
        // Placeholders replace text inside JSON strings; a redaction that broke the JSON is refused.
        try {
          call.arguments = JSON.parse(outcome.text) as Record<string, unknown>;
        } catch {
          throw new ToolRefusal('guardrail_blocked', 'A guardrail redacted the arguments beyond use.');
        }
      }
    },
    async after(call, outcome) {
      const result = outcome.result;
      if (!result) return undefined;
      let changed = false;
      const content: CallToolResult['content'] = [];
      for (const item of result.content) {
        if (item.type !== 'text') {
          content.push(item);
          continue;
        }
        const checked = await check({
          phase: 'tool_results',
          text: item.text,
          principal: call.principal,
          server: call.server,
          tool: call.tool,
          ...(call.record ? { record: call.record } : {}),
          signal: call.signal,
        });
        if (checked.action === 'block')
          return {
            content: [
              {
                type: 'text',
                text: `Gatehouse withheld the result of ${call.name}: ${checked.error?.message ?? 'a guardrail refused it.'}`,
              },
            ],
            isError: true,
          };
        if (checked.action === 'redacted') changed = true;
        content.push({ ...item, text: checked.text });
      }
      return changed ? { ...result, content } : undefined;
    },
  };
}
