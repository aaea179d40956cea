import { generateText, streamText, tool, stepCountIs, Output, embed, jsonSchema } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { ChatAnthropic } from '@langchain/anthropic';
import { z } from 'zod';
import { startTestGateway, mockOnlyConfig, testMasterKey } from '/work/wt-responses/test/helpers/gateway.ts';
const gw = await startTestGateway(mockOnlyConfig);
const openai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: testMasterKey });
const anthropic = createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: testMasterKey });
const compat = createOpenAICompatible({ name: 'gatehouse', supportsStructuredOutputs: true, baseURL: `${gw.url}/v1`, apiKey: testMasterKey });
const weather = tool({ description: 'weather', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, temp: 22 }) });
try {
for (const [name, model] of [['responses', openai('mock-fast')], ['chat', openai.chat('mock-fast')], ['anthropic', anthropic('mock-fast')], ['compat', compat('mock-fast')]] as const) {
  const r = await generateText({ model, prompt: 'hello' });
  console.log(name, 'text', r.text, r.usage);
  const s = streamText({ model, prompt: 'hi stream' });
  let t = ''; for await (const d of s.textStream) t += d;
  console.log(name, 'stream', t);
  const m = await generateText({ model, prompt: 'weather in Lisbon', tools: { weather }, stopWhen: stepCountIs(3) });
  console.log(name, 'multistep', m.steps.length, m.text, m.steps.map(s=>s.toolCalls.length));
  const ms = streamText({ model, prompt: 'weather in Lisbon', tools: { weather }, stopWhen: stepCountIs(3) });
  let mt = ''; for await (const d of ms.textStream) mt += d;
  console.log(name, 'multistep stream', (await ms.steps).length, mt);
  const o = await generateText({ model, prompt: 'a city', output: Output.object({ schema: z.object({ name: z.string(), population: z.number() }) }) });
  console.log(name, 'object', o.output);
}
const e = await embed({ model: openai.embedding('mock-embed'), value: 'hello' });
console.log('embed', e.embedding.length);
const e2 = await embed({ model: compat.embeddingModel('mock-embed'), value: 'hello' });
console.log('embed compat', e2.embedding.length);
const lc = new ChatOpenAI({ model: 'mock-fast', apiKey: testMasterKey, configuration: { baseURL: `${gw.url}/v1` } });
console.log('lc openai', (await lc.invoke('hello')).content);
const lcr = new ChatOpenAI({ model: 'mock-fast', apiKey: testMasterKey, useResponsesApi: true, configuration: { baseURL: `${gw.url}/v1` } });
console.log('lc openai responses', (await lcr.invoke('hello')).content);
let st = ''; for await (const c of await lcr.stream('hello stream')) st += typeof c.content === 'string' ? c.content : JSON.stringify(c.content);
console.log('lc responses stream', st);
const bound = lcr.bindTools([{ type: 'function', function: { name: 'get_weather', description: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }]);
console.log('lc responses tools', (await bound.invoke('weather?')).tool_calls);
const la = new ChatAnthropic({ model: 'mock-fast', apiKey: testMasterKey, anthropicApiUrl: gw.url });
console.log('lc anthropic', (await la.invoke('hello')).content);
} catch (e) { console.error('FAILED', e); }
await gw.stop(0);
