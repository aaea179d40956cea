// `npm run demo`: a fresh store with a few days of realistic traffic, then the gateway serving it,
// so the console has something to show. The traffic is real: teams, users and keys are created
// through the admin API and requests are sent through the gateway's pipeline (the offline mock
// provider, an exact-match response cache, a PII guardrail that redacts), with the official OpenAI
// client. Some fail as they would in life: a model a key may not use, a rate limit, an unknown model.
//
// Timestamps: the requests are sent in a few seconds, so once they are stored the gateway is stopped
// and each event's received_at is moved back by a random offset within the last --days days (seeded,
// repeatable); the usage rollups are then rebuilt from the events, as the event writer builds them.
// Nothing else is changed. Then the gateway starts again on that store.
//   node scripts/demo.ts [--requests 1500] [--days 3] [--port 4000] [--dir .gatehouse-demo]
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { parseConfig } from '../src/config/index.ts';
import { startGateway } from '../src/server/index.ts';
import { openDatabase } from '../src/store/index.ts';
import { addToRollups } from '../src/telemetry/rollups.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1500' },
    days: { type: 'string', default: '3' },
    port: { type: 'string', default: '4000' },
    dir: { type: 'string', default: '.gatehouse-demo' },
  },
});
const dir = resolve(args.dir);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const databaseUrl = `sqlite:${join(dir, 'store.db')}`;
const masterKey = `gh-demo-${randomBytes(12).toString('base64url')}`;
const config = parseConfig(
  {
    providers: { mock: { type: 'mock' } },
    models: {
      'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
      'mock-smart': { targets: [{ provider: 'mock', model: 'mock-smart' }] },
      'mock-embed': { targets: [{ provider: 'mock', model: 'mock-embed' }] },
    },
    cache: { exact: { ttl: '7d' } },
    guardrails: { 'no-pii': { type: 'pii', action: 'redact' } },
    default_guardrails: ['no-pii'],
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
const teams = [
  { name: 'search', budget: 40, models: undefined },
  { name: 'support', budget: 25, models: ['mock-fast'] },
  { name: 'research', budget: 60, models: undefined },
  { name: 'billing', budget: 10, models: ['mock-fast', 'mock-embed'] },
];
const clients: Array<{ team: string; client: OpenAI; weight: number }> = [];
for (const team of teams) {
  await admin('POST', '/admin/teams', {
    name: team.name,
    ...(team.models ? { models: team.models } : {}),
    budget: { usd: team.budget, period: 'month', soft_threshold: 0.8 },
  });
  for (const person of ['ana', 'ben']) {
    const user = `${person}-${team.name}`;
    await admin('POST', '/admin/users', { name: user, email: `${user}@example.com`, teams: [team.name] });
    const key = await admin('POST', '/admin/keys', {
      name: `${team.name}-${person}-laptop`,
      team: team.name,
      user,
      ...(person === 'ben' ? { limits: { rpm: 400 } } : {}),
    });
    clients.push({ team: team.name, client: new OpenAI({ apiKey: key.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 }), weight: person === 'ana' ? 3 : 1 });
  }
  const service = await admin('POST', '/admin/keys', { name: `${team.name}-service`, team: team.name });
  clients.push({ team: team.name, client: new OpenAI({ apiKey: service.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 }), weight: 6 });
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
];
const features = ['search', 'chat', 'triage', 'reports'];
const count = Number(args.requests);
let failed = 0;
for (let i = 0; i < count; i += 8) {
  await Promise.all(
    Array.from({ length: Math.min(8, count - i) }, async () => {
      const { client } = pick(weighted);
      const r = rand();
      const model = r < 0.02 ? 'mock-huge' : r < 0.7 ? 'mock-fast' : r < 0.92 ? 'mock-smart' : 'mock-embed';
      const headers = { 'x-gatehouse-tags': `feature=${pick(features)},env=${rand() < 0.8 ? 'prod' : 'staging'}` };
      try {
        if (model === 'mock-embed') await client.embeddings.create({ model, input: pick(prompts) }, { headers });
        else
          await client.chat.completions.create(
            { model, messages: [{ role: 'user', content: pick(prompts) }], max_tokens: 64 + Math.floor(rand() * 400) },
            { headers },
          );
      } catch {
        failed += 1;
      }
    }),
  );
}
await gateway.stop();
console.log(`Sent ${count} requests (${failed} refused or failed, as some should be). Spreading them over ${args.days} days…`);

// Move each event back in time and rebuild the rollups from the events.
const database = await openDatabase(databaseUrl);
const now = Date.now();
const spanMs = Number(args.days) * 86_400_000;
const events = await database.db.selectFrom('request_events').selectAll().execute();
await database.db.transaction().execute(async (trx) => {
  for (const event of events) {
    // Busier in working hours: a second draw, kept when it lands between 08:00 and 19:00 UTC.
    let at = now - rand() * spanMs;
    const hour = new Date(at).getUTCHours();
    if ((hour < 8 || hour > 19) && rand() < 0.6) at = now - rand() * spanMs;
    event.received_at = Math.floor(at);
    await trx.updateTable('request_events').set({ received_at: event.received_at }).where('id', '=', event.id).execute();
  }
  for (const table of ['usage_hourly', 'usage_daily', 'usage_hourly_tags', 'usage_daily_tags'] as const)
    await trx.deleteFrom(table).execute();
  await addToRollups(trx, events);
});
await database.close();

gateway = await serve(Number(args.port));
console.log(`\nThe demo gateway serves ${gateway.url}; open the console at ${gateway.url}/ui`);
console.log(`Master key (sign in with it): ${masterKey}`);
console.log('Ctrl-C stops it; the store stays in', dir);
const stop = async () => {
  await gateway.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
