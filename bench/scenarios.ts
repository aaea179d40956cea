// What the benchmark sends: chat requests of about 1 KB in each dialect, and the scenarios that
// send them, each measured straight at the mock upstream and then through the gateway.

/** The model names the mock upstream answers as. */
export const upstreamModels = { openai: 'gpt-4.1-mini', anthropic: 'claude-haiku-4-5' };
/** The gateway's model names (configured by bench/gateway.ts). */
export const gatewayModels = {
  openai: 'bench-openai',
  anthropic: 'bench-anthropic',
  /** The OpenAI-dialect model with the exact cache on (configured only when a cache scenario runs). */
  cached: 'bench-cached',
  /** The OpenAI-dialect model with the semantic cache on, offline embedder (cache scenarios only). */
  semantic: 'bench-semantic',
};

/** Replaced in a cache-miss scenario's body by a number of its own for every request. */
export const uniquePlaceholder = '#request#';

const system = 'You are a concise travel assistant. Answer in three sentences or fewer.';
const question =
  'I am planning a week in Portugal at the end of April with two children aged eight and eleven. ' +
  'We land in Lisbon on a Saturday morning and fly home from Porto the following Saturday evening. ' +
  'We like walking, trams, old castles, aquariums and beaches, but we do not want to change hotels ' +
  'more than once, and we would rather take trains than rent a car. The children get bored in ' +
  'museums after an hour, so we need a mix of outdoor and indoor things, with a rainy-day plan for ' +
  'each city. Please suggest how many nights to spend in each city, whether a day trip to Sintra ' +
  'or Cascais is worth it with children, which train to take between Lisbon and Porto and how early ' +
  'to book it, and one restaurant in each city where children are welcome and the food is local. ' +
  'Also tell me what the weather is usually like in both cities at that time of year.';

export interface Scenario {
  id: string;
  title: string;
  /** The calling surface: OpenAI Chat Completions, or Anthropic Messages translated to the OpenAI upstream. */
  surface: 'openai' | 'anthropic';
  connections: number;
  /** Text chunks per streamed answer; absent for a non-streaming request. */
  chunks?: number;
  /** Also measure time to first byte with a sequential client (c=1). */
  firstByte?: boolean;
  /**
   * Through the gateway's cached model: `hit` repeats one request (every answer after the first is
   * a hit); `miss` makes every request unique, so each one is looked up, missed and stored;
   * `semantic-hit` makes every request unique by one made-up word, so each one misses the exact
   * cache and is answered by the semantic cache (embedded offline, matched, vetoed or not).
   */
  cache?: 'hit' | 'miss' | 'semantic-hit';
}

export const scenarios: Scenario[] = [
  { id: 'chat-c1', title: 'chat, c=1', surface: 'openai', connections: 1 },
  { id: 'chat-c64', title: 'chat, c=64', surface: 'openai', connections: 64 },
  {
    id: 'stream20',
    title: 'stream 20 chunks, c=64',
    surface: 'openai',
    connections: 64,
    chunks: 20,
    firstByte: true,
  },
  {
    id: 'stream200',
    title: 'stream 200 chunks, c=64',
    surface: 'openai',
    connections: 64,
    chunks: 200,
    firstByte: true,
  },
  { id: 'anthropic-c1', title: 'Anthropic → OpenAI, c=1', surface: 'anthropic', connections: 1 },
  { id: 'anthropic-c64', title: 'Anthropic → OpenAI, c=64', surface: 'anthropic', connections: 64 },
  { id: 'cache-hit-c1', title: 'exact cache hit, c=1', surface: 'openai', connections: 1, cache: 'hit' },
  {
    id: 'cache-miss-c1',
    title: 'exact cache miss (looked up, called, stored), c=1',
    surface: 'openai',
    connections: 1,
    cache: 'miss',
  },
  {
    id: 'cache-semantic-hit-c1',
    title: 'semantic cache hit (exact miss, embedded offline, matched), c=1',
    surface: 'openai',
    connections: 1,
    cache: 'semantic-hit',
  },
];

/** Whether the scenarios chosen (by --only; cache scenarios run only when named) need the cache. */
export const needsCache = (ids: string[] | undefined) =>
  ids !== undefined && scenarios.some((s) => s.cache && ids.includes(s.id));

/** The chunk counts the upstream must have ready. */
export const streamChunkCounts = [...new Set(scenarios.flatMap((s) => (s.chunks ? [s.chunks] : [])))];

export interface BenchRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Each request's body gets its own number (or, with `letters`, word) in place of `uniquePlaceholder`. */
  unique?: boolean | 'letters';
}

export function openaiChatBody(model: string, chunks?: number, prefix = ''): string {
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: prefix + question },
    ],
    temperature: 0.2,
    // The mock upstream streams as many chunks as max_tokens asks for.
    max_tokens: chunks ?? 256,
    ...(chunks ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** The JSON the Anthropic SDK sends for messages.create. */
export function anthropicMessagesBody(model: string): string {
  return JSON.stringify({
    max_tokens: 256,
    messages: [{ role: 'user', content: question }],
    model,
    system,
    temperature: 0.2,
  });
}

/** A scenario's request, straight at the upstream (`key` undefined) or through the gateway. */
export function scenarioRequest(scenario: Scenario, base: string, key?: string): BenchRequest {
  const credential = key ?? 'bench-upstream';
  if (scenario.surface === 'anthropic') {
    return {
      url: `${base}/v1/messages`,
      headers: {
        'content-type': 'application/json',
        'x-api-key': credential,
        'anthropic-version': '2023-06-01',
      },
      body: anthropicMessagesBody(key ? gatewayModels.openai : upstreamModels.anthropic),
    };
  }
  if (scenario.cache === 'semantic-hit') {
    // A word of its own per request (letters: a number would be vetoed), the rest the same.
    return {
      url: `${base}/v1/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: openaiChatBody(
        key ? gatewayModels.semantic : upstreamModels.openai,
        undefined,
        `Reference ${uniquePlaceholder}. `,
      ),
      unique: 'letters' as const,
    };
  }
  if (scenario.cache) {
    // The same body both ways; only a miss scenario numbers its requests.
    const prefix = scenario.cache === 'miss' ? `Request ${uniquePlaceholder}. ` : 'Request 0. ';
    return {
      url: `${base}/v1/chat/completions`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: openaiChatBody(key ? gatewayModels.cached : upstreamModels.openai, undefined, prefix),
      ...(scenario.cache === 'miss' ? { unique: true } : {}),
    };
  }
  return {
    url: `${base}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: openaiChatBody(key ? gatewayModels.openai : upstreamModels.openai, scenario.chunks),
  };
}
