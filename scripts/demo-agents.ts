// The demo's agent runs: an agent loop with the official OpenAI and MCP clients, both through the
// gateway under one x-gatehouse-run-id. The model (the offline mock) asks for a tool, the agent
// calls it at /mcp and hands the result back, a few times, then the model answers. Some runs meet
// the gateway's rules: a tool the team may not call, or a fetched page withheld by the guardrail
// on tool results.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import OpenAI from 'openai';
import { injectedPage } from './demo-tools.ts';

type Step = { tool: string; args: Record<string, unknown> };
/** `name` starts the run ids of the scenario's runs (`duplicate-invoice-7`). */
export type Scenario = { name: string; task: string; steps: Step[] };

export const supportScenarios: Scenario[] = [
  {
    name: 'duplicate-invoice',
    task: 'A customer says their invoice was sent twice. Find the ticket and resolve it.',
    steps: [
      { tool: 'tickets__search', args: { q: 'invoice sent twice', status: 'open' } },
      { tool: 'tickets__get', args: { id: 'TCK-104233' } },
      { tool: 'tickets__update', args: { id: 'TCK-104233', status: 'resolved' } },
    ],
  },
  {
    name: 'refund-tickets',
    task: 'Summarise the open tickets about refunds.',
    steps: [
      { tool: 'tickets__search', args: { q: 'refund', status: 'open' } },
      { tool: 'tickets__get', args: { id: 'TCK-104301' } },
    ],
  },
  {
    // The support team's tool rules deny deletions: the call is refused, the run goes on.
    name: 'delete-duplicate',
    task: 'Remove the duplicate ticket TCK-104377.',
    steps: [
      { tool: 'tickets__get', args: { id: 'TCK-104377' } },
      { tool: 'tickets__delete', args: { id: 'TCK-104377' } },
    ],
  },
];

export const researchScenarios: Scenario[] = [
  {
    name: 'rate-limit-research',
    task: 'Compare the rate-limit designs of two API gateways.',
    steps: [
      { tool: 'web__search', args: { q: 'api gateway rate limiting token bucket' } },
      { tool: 'web__fetch_page', args: { url: 'https://docs.example.com/a' } },
      { tool: 'web__fetch_page', args: { url: 'https://blog.example.com/b' } },
    ],
  },
  {
    // The forum page carries a prompt injection: the guardrail withholds the result.
    name: 'refund-policy',
    task: "What is this shop's refund policy?",
    steps: [
      { tool: 'web__search', args: { q: 'example shop refund policy' } },
      { tool: 'web__fetch_page', args: { url: injectedPage } },
    ],
  },
];

export interface RunOutcome {
  toolCalls: number;
  refused: number;
}

/** One agent run: model → tool → model … → answer, every call under the same run id. */
export async function runAgent(
  gatewayUrl: string,
  key: string,
  runId: string,
  scenario: Scenario,
): Promise<RunOutcome> {
  const headers = { authorization: `Bearer ${key}`, 'x-gatehouse-run-id': runId };
  const mcp = new Client({ name: 'demo-agent', version: '1.0.0' });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(`${gatewayUrl}/mcp`), { requestInit: { headers } }),
  );
  const openai = new OpenAI({
    apiKey: key,
    baseURL: `${gatewayUrl}/v1`,
    maxRetries: 0,
    defaultHeaders: { 'x-gatehouse-run-id': runId },
  });
  const outcome: RunOutcome = { toolCalls: 0, refused: 0 };
  try {
    const listed = await mcp.listTools();
    const tools = listed.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, description: t.description ?? '', parameters: t.inputSchema },
    }));
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are an operations agent. Use the tools.' },
      { role: 'user', content: scenario.task },
    ];
    for (const step of scenario.steps) {
      // A tool the caller may not see is not offered; the agent asks for it all the same.
      const offered = tools.filter((t) => t.function.name === step.tool);
      const asked = await openai.chat.completions.create({
        model: 'mock-fast',
        messages,
        max_tokens: 300,
        tools: offered.length ? offered : tools,
        tool_choice: offered.length ? { type: 'function', function: { name: step.tool } } : 'auto',
      });
      const call = asked.choices[0]?.message.tool_calls?.[0];
      const id = call?.id ?? `call_${outcome.toolCalls}`;
      messages.push({
        role: 'assistant',
        content: null,
        tool_calls: [
          { id, type: 'function', function: { name: step.tool, arguments: JSON.stringify(step.args) } },
        ],
      });
      outcome.toolCalls += 1;
      let result: string;
      try {
        const answer = (await mcp.callTool({ name: step.tool, arguments: step.args })) as {
          isError?: boolean;
          content: Array<{ type: string; text?: string }>;
        };
        if (answer.isError) outcome.refused += 1;
        result = answer.content.map((c) => c.text ?? '').join('\n');
      } catch (err) {
        outcome.refused += 1;
        result = `The tool call failed: ${(err as Error).message}`;
      }
      messages.push({ role: 'tool', tool_call_id: id, content: result });
    }
    await openai.chat.completions.create({ model: 'mock-fast', messages, max_tokens: 300 });
  } finally {
    await mcp.close();
  }
  return outcome;
}
