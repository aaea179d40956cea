// `npm run demo`: a fresh store with a few days of realistic traffic, then the gateway serving it,
// so the console has something to show. The traffic is real: teams, users and keys (with model and
// tool rules, budgets and limits) are created through the admin API and requests are sent through
// the gateway's pipeline (the offline mock provider, an exact-match response cache, guardrails that
// redact and block, deterministic evaluators) with the official OpenAI client. Agent runs mix model
// calls with MCP tool calls through /mcp to two small MCP servers in this process (demo-tools.ts,
// demo-agents.ts); callers send feedback on some answers (POST /v1/feedback). Some requests fail as
// they would in life: a model a key may not use, a blocked prompt, a denied tool, an unknown model.
//
// Timestamps: the requests are sent in a few seconds, so once they are stored the gateway is stopped
// and each event's received_at is moved back by a random offset within the last --days days (seeded,
// repeatable); the usage rollups are then rebuilt from the events, as the event writer builds them.
// The calls of one agent run move together (their order and spacing kept), and each score moves with
// the request it scores. Nothing else is changed. Then the gateway starts again on that store.
//   node scripts/demo.ts [--requests 1500] [--runs 40] [--days 3] [--port 4000] [--dir .gatehouse-demo]
//   [--fill-only]: fill the store and exit without serving it (what its test runs)
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { parseConfig } from '../src/config/index.ts';
import { startGateway } from '../src/server/index.ts';
import { openDatabase } from '../src/store/index.ts';
import { addToRollups } from '../src/telemetry/rollups.ts';
import { researchScenarios, runAgent, type Scenario, supportScenarios } from './demo-agents.ts';
import { startDemoTools } from './demo-tools.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1500' },
    runs: { type: 'string', default: '40' },
    days: { type: 'string', default: '3' },
    port: { type: 'string', default: '4000' },
    dir: { type: 'string', default: '.gatehouse-demo' },
    'fill-only': { type: 'boolean', default: false },
  },
});
const dir = resolve(args.dir);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const databaseUrl = `sqlite:${join(dir, 'store.db')}`;
const masterKey = `gh-demo-${randomBytes(12).toString('base64url')}`;
const tools = await startDemoTools();
const config = parseConfig(
  {
    // Two offline providers that take their time, as hosted ones do, so latency charts have a shape.
    providers: { mock: { type: 'mock', latency_ms: 25 }, 'mock-large': { type: 'mock', latency_ms: 90 } },
    models: {
      'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }], evaluators: ['not-refused'] },
      'mock-smart': {
        targets: [{ provider: 'mock-large', model: 'mock-smart' }],
        evaluators: ['not-refused', 'concise'],
      },
      'mock-embed': { targets: [{ provider: 'mock', model: 'mock-embed' }] },
    },
    // Prices of a hosted model's order, so that spend bars and budgets read like a real workload's
    // (the mock's own price, $1 / $2 per million tokens, makes 1500 short requests cost cents).
    prices: {
      'mock-fast': { input_per_mtok: 15, output_per_mtok: 60 },
      'mock-smart': { input_per_mtok: 60, output_per_mtok: 240 },
      'mock-embed': { input_per_mtok: 2, output_per_mtok: 0 },
    },
    // An A/B test: callers of "assistant" are split between the two models, per session.
    experiments: {
      'assistant-trial': {
        model: 'assistant',
        sticky_by: 'header:x-demo-session',
        variants: {
          control: { model: 'mock-fast', weight: 70 },
          candidate: { model: 'mock-smart', weight: 30 },
        },
      },
    },
    // Drift checks over the demo's days: the last 12 hours against the days before.
    drift: { interval_s: 300, window: '12h', baseline: '3d', min_samples: 50 },
    cache: { exact: { ttl: '7d' } },
    guardrails: {
      'no-pii': { type: 'pii', action: 'redact' },
      codenames: { type: 'deny_list', words: ['project falcon'], action: 'block', on: ['input'] },
      injection: { type: 'prompt_injection', action: 'block', on: ['tool_results'] },
    },
    default_guardrails: ['no-pii', 'codenames', 'injection'],
    mcp_servers: {
      tickets: { transport: 'http', url: tools.urls.tickets },
      web: { transport: 'http', url: tools.urls.web },
    },
    // Deterministic checks: they score answers offline, as a judge model would online.
    evaluators: {
      'not-refused': { type: 'refusal' },
      concise: { type: 'length', max_chars: 72, sample_rate: 0.5 },
    },
  },
  'demo config',
  {},
);
const serve = (port: number) =>
  startGateway({ config, databaseUrl, masterKey, port, host: '127.0.0.1', log: () => {}, spillDir: dir });

// A seeded random, so two demos look alike.
let seed = 7;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;

console.log(`Filling ${dir} with ${args.requests} requests…`);
let gateway = await serve(0);
const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(gateway.url + path, {
    method,
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(answer)}`);
  // biome-ignore lint/suspicious/noExplicitAny: the admin API's answers, read field by field below
  return answer as Record<string, any>;
};
// Tool rules as the Teams page edits them: support works tickets but may not delete one; research
// reads the web and searches tickets; billing has no tools at all. Budgets are sized to the demo's
// traffic, so that the spend bars sit between a third full and nearly spent.
const teams = [
  { name: 'search', budget: 1, models: undefined, tools: { tools: ['web__search'] } },
  {
    name: 'support',
    budget: 0.5,
    models: ['mock-fast', 'assistant'],
    tools: { tools: ['tickets__*', '!tickets__delete'], tool_limits: { 'tickets__*': 120 } },
  },
  {
    name: 'research',
    budget: 2,
    models: undefined,
    tools: { tools: ['web__*', 'tickets__search'], tool_limits: { web__fetch_page: 30 } },
  },
  {
    name: 'billing',
    budget: 0.4,
    models: ['mock-fast', 'mock-embed', 'assistant'],
    tools: { tools: ['!*'] },
  },
];
const clients: Array<{ team: string; client: OpenAI; key: string; weight: number }> = [];
const agentKeys: Record<string, string> = {};
for (const team of teams) {
  await admin('POST', '/admin/teams', {
    name: team.name,
    ...(team.models ? { models: team.models } : {}),
    budget: { usd: team.budget, period: 'month', soft_threshold: 0.8 },
    ...team.tools,
  });
  for (const person of ['ana', 'ben']) {
    const user = `${person}-${team.name}`;
    // Users carry budgets (spend bars on the Users page); one of them may not use the smart model.
    await admin('POST', '/admin/users', {
      name: user,
      email: `${user}@example.com`,
      teams: [team.name],
      budget: { usd: person === 'ana' ? 0.3 : 0.1, period: 'month' },
      ...(user === 'ben-search' ? { models: ['mock-fast', 'mock-embed'] } : {}),
    });
    const key = await admin('POST', '/admin/keys', {
      name: `${team.name}-${person}-laptop`,
      team: team.name,
      user,
      ...(person === 'ben' ? { limits: { rpm: 400 } } : {}),
    });
    clients.push({
      team: team.name,
      client: openai(key.key),
      key: key.key,
      weight: person === 'ana' ? 3 : 1,
    });
  }
  const service = await admin('POST', '/admin/keys', {
    name: `${team.name}-service`,
    team: team.name,
    budget: { usd: team.budget / 2, period: 'month' },
  });
  clients.push({ team: team.name, client: openai(service.key), key: service.key, weight: 6 });
}
for (const team of ['support', 'research']) {
  const agent = await admin('POST', '/admin/keys', {
    name: `${team}-agent`,
    team,
    models: ['mock-fast'],
    budget: { usd: 0.1, period: 'month' },
  });
  agentKeys[team] = agent.key;
}
const weighted = clients.flatMap((c) => Array.from({ length: c.weight }, () => c));
const prompts = [
  'Summarise this ticket in two sentences.',
  'Translate "good morning" into French.',
  'Classify the sentiment of: the delivery was late again.',
  'Write a haiku about gateways.',
  'My email is jane.doe@example.com, please update my account.',
  'Call me back on +44 20 7946 0958 about the invoice.',
  'List three risks of this migration plan.',
  'What is the capital of Australia?',
  'Reply exactly: I am sorry, I cannot help with that.',
];
const features = ['search', 'chat', 'triage', 'reports'];
const count = Number(args.requests);
let failed = 0;
// Answers the callers rate: about one in five, thumbs up more often than down.
const rated: Array<{ key: string; request_id: string }> = [];
for (let i = 0; i < count; i += 8) {
  await Promise.all(
    Array.from({ length: Math.min(8, count - i) }, async () => {
      const { client, key } = pick(weighted);
      const r = rand();
      const model =
        r < 0.02
          ? 'mock-huge'
          : r < 0.55
            ? 'mock-fast'
            : r < 0.7
              ? 'assistant'
              : r < 0.92
                ? 'mock-smart'
                : 'mock-embed';
      const headers = {
        'x-gatehouse-tags': `feature=${pick(features)},env=${rand() < 0.8 ? 'prod' : 'staging'}`,
        'x-demo-session': String(Math.floor(rand() * 200)),
      };
      try {
        if (model === 'mock-embed')
          await client.embeddings.create({ model, input: pick(prompts) }, { headers });
        else {
          const rate = rand() < 0.2;
          // A third of the chats stream (and so have a time to first token).
          const stream = rand() < 0.35;
          const { data, response } = await client.chat.completions
            .create(
              {
                model,
                stream,
                // Now and then a codename the deny list blocks.
                messages: [
                  {
                    role: 'user',
                    content: rand() < 0.02 ? 'When does Project Falcon launch?' : pick(prompts),
                  },
                ],
                max_tokens: 64 + Math.floor(rand() * 400),
              },
              { headers },
            )
            .withResponse();
          if (stream) for await (const _ of data as AsyncIterable<unknown>);
          const id = response.headers.get('x-request-id');
          if (rate && id) rated.push({ key, request_id: id });
        }
      } catch {
        failed += 1;
      }
    }),
  );
}
// Agent runs, four at a time: support triages tickets, research reads the web.
const runCount = Number(args.runs);
let toolCalls = 0;
let refusedTools = 0;
let failedRuns = 0;
for (let i = 0; i < runCount; i += 4) {
  await Promise.all(
    Array.from({ length: Math.min(4, runCount - i) }, async (_, j) => {
      const team = rand() < 0.55 ? 'support' : 'research';
      const scenario: Scenario = pick(team === 'support' ? supportScenarios : researchScenarios);
      try {
        const outcome = await runAgent(
          gateway.url,
          agentKeys[team]!,
          `${scenario.name}-${i + j + 1}`,
          scenario,
        );
        toolCalls += outcome.toolCalls;
        refusedTools += outcome.refused;
      } catch {
        failedRuns += 1; // a model call refused mid-run (its budget, say): the run ends there, as in life
      }
    }),
  );
}
// Feedback in batches of up to 100, each with the key that made the requests (a key rates its team's).
const byKey = Map.groupBy(rated, (r) => r.key);
for (const [key, items] of byKey)
  for (let i = 0; i < items.length; i += 100) {
    const res = await fetch(`${gateway.url}/v1/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: items.slice(i, i + 100).map((r) => {
          const up = rand() < 0.78;
          return {
            request_id: r.request_id,
            name: 'thumbs',
            value: up,
            ...(up ? {} : { comment: pick(['too vague', 'wrong language', 'missed the question']) }),
          };
        }),
      }),
    });
    if (!res.ok) throw new Error(`POST /v1/feedback: ${res.status} ${await res.text()}`);
  }
await gateway.quality.drained();
await gateway.stop();
console.log(
  `Sent ${count} requests (${failed} refused or failed, as some should be), ${runCount} agent runs (${failedRuns} cut short) with ${toolCalls} tool calls (${refusedTools} refused or withheld), ${rated.length} ratings. Spreading them over ${args.days} days…`,
);

// Move each event back in time and rebuild the rollups from the events.
const database = await openDatabase(databaseUrl);
const now = Date.now();
const spanMs = Number(args.days) * 86_400_000;
const events = await database.db.selectFrom('request_events').selectAll().execute();
const scores = await database.db.selectFrom('quality_scores').selectAll().execute();
// Busier in working hours: a second draw, kept when it lands between 08:00 and 19:00 UTC.
const draw = () => {
  const at = now - rand() * spanMs;
  const hour = new Date(at).getUTCHours();
  return (hour < 8 || hour > 19) && rand() < 0.6 ? now - rand() * spanMs : at;
};
// One shift per agent run (its calls keep their order and spacing), one per other event.
const runShift = new Map<string, number>();
const moved = new Map<string, number>();
await database.db.transaction().execute(async (trx) => {
  for (const event of events) {
    const run = event.run_id ? `${event.key_id}:${event.run_id}` : undefined;
    let shift = run ? runShift.get(run) : undefined;
    if (shift === undefined) {
      shift = event.received_at - Math.floor(draw());
      if (run) runShift.set(run, shift);
    }
    event.received_at -= shift;
    moved.set(event.id, shift);
    moved.set(event.request_id, shift);
    await trx
      .updateTable('request_events')
      .set({ received_at: event.received_at })
      .where('id', '=', event.id)
      .execute();
  }
  // A score follows the request it scores.
  for (const score of scores) {
    const shift = moved.get(score.event_id ?? '') ?? moved.get(score.request_id);
    if (shift === undefined) continue;
    await trx
      .updateTable('quality_scores')
      .set({ created_at: score.created_at - shift })
      .where('id', '=', score.id)
      .execute();
  }
  for (const table of ['usage_hourly', 'usage_daily', 'usage_hourly_tags', 'usage_daily_tags'] as const)
    await trx.deleteFrom(table).execute();
  await addToRollups(trx, events);
});
await database.close();
if (args['fill-only']) {
  await tools.close();
  console.log(`Filled ${dir}.`);
  process.exit(0);
}

gateway = await serve(Number(args.port));
// A first drift check now, so the Drift page has one to show (the timer runs every 5 minutes).
await admin('POST', '/admin/drift/check');
console.log(`\nThe demo gateway serves ${gateway.url}; open the console at ${gateway.url}/ui`);
console.log(`Master key (sign in with it): ${masterKey}`);
console.log('Ctrl-C stops it; the store stays in', dir);
const stop = async () => {
  await gateway.stop();
  await tools.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
