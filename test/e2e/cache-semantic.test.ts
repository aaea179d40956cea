// The semantic cache end to end, with the official SDKs as callers: a paraphrase is answered from the
// cache (`x-gatehouse-cache: semantic-hit`, with its similarity) with the answer the first wording
// got; a prompt that negates or changes a number is not; the embedding call is on the record under
// route internal:cache:embed, charged to the caller's team; and with calibration on, a sampled
// would-be hit goes upstream and is reported on /admin/cache/calibration.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { freshPostgres } from '../helpers/database.ts';
import { mockOnlyConfig, startTestGateway, testMasterKey } from '../helpers/gateway.ts';

async function teamKey(admin: ReturnType<typeof adminClient>, name: string) {
  const team = await admin('POST', '/admin/teams', { name });
  assert.equal(team.status, 201);
  const key = await admin('POST', '/admin/keys', { name: `${name}-key`, team: name });
  assert.equal(key.status, 201);
  return { team: team.body.id as string, key: key.body.key as string };
}

async function ask(gateway: Gateway, key: string, prompt: string, maxTokens?: number) {
  const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const { data, response } = await client.chat.completions
    .create({
      model: 'mock-fast',
      ...(maxTokens ? { max_tokens: maxTokens } : {}),
      messages: [
        { role: 'system', content: 'You are the help desk.' },
        { role: 'user', content: prompt },
      ],
    })
    .withResponse();
  return {
    text: data.choices[0]!.message.content ?? '',
    cache: response.headers.get('x-gatehouse-cache'),
    similarity: response.headers.get('x-gatehouse-cache-similarity'),
  };
}

describe('semantic cache', () => {
  let gateway: Gateway;
  const admin = adminClient(() => gateway);
  let red: { team: string; key: string };
  let blue: { team: string; key: string };

  before(async () => {
    gateway = await startTestGateway({
      ...mockOnlyConfig,
      cache: { semantic: { embedding_model: 'mock-embed', threshold: 0.8 } },
    });
    red = await teamKey(admin, 'red');
    blue = await teamKey(admin, 'blue');
  });
  after(async () => {
    await gateway?.stop(0);
  });

  test('a paraphrase is a semantic hit with the first wording’s answer', async () => {
    const first = await ask(gateway, red.key, 'How do I enable two-factor authentication on my account?');
    assert.equal(first.cache, 'miss');
    const again = await ask(gateway, red.key, 'how can I enable two-factor authentication for my account');
    assert.equal(again.cache, 'semantic-hit');
    const similarity = Number(again.similarity);
    assert.ok(similarity >= 0.8 && similarity <= 1, `similarity ${again.similarity}`);
    assert.equal(again.text, first.text, 'the cached answer, which quotes the first wording');
    assert.match(again.text, /How do I enable two-factor/);
  });

  test('the Anthropic SDK gets the semantic hit of an answer cached through the OpenAI surface', async () => {
    // max_tokens is part of the partition (it changes the answer), so both callers send the same.
    const first = await ask(gateway, red.key, 'What is the notice period for leaving the company?', 200);
    assert.equal(first.cache, 'miss');
    const anthropic = new Anthropic({ apiKey: red.key, baseURL: gateway.url, maxRetries: 0 });
    const { data, response } = await anthropic.messages
      .create({
        model: 'mock-fast',
        max_tokens: 200,
        system: 'You are the help desk.',
        messages: [{ role: 'user', content: "what's the notice period for leaving the company" }],
      })
      .withResponse();
    assert.equal(response.headers.get('x-gatehouse-cache'), 'semantic-hit');
    assert.ok(Number(response.headers.get('x-gatehouse-cache-similarity')) >= 0.8);
    assert.equal(data.content[0]?.type === 'text' ? data.content[0].text : '', first.text);
  });

  test('a streamed paraphrase is replayed as a stream', async () => {
    const client = new OpenAI({ apiKey: red.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const stream = async (prompt: string) => {
      const { data, response } = await client.chat.completions
        .create({
          model: 'mock-fast',
          stream: true,
          stream_options: { include_usage: true },
          messages: [
            { role: 'system', content: 'You are the help desk.' },
            { role: 'user', content: prompt },
          ],
        })
        .withResponse();
      let text = '';
      let chunks = 0;
      for await (const chunk of data) {
        chunks++;
        text += chunk.choices[0]?.delta.content ?? '';
      }
      return { text, chunks, cache: response.headers.get('x-gatehouse-cache') };
    };
    const first = await stream('Where do I find the expense report template?');
    assert.equal(first.cache, 'miss');
    const again = await stream('where can I find the expense report template');
    assert.equal(again.cache, 'semantic-hit');
    assert.equal(again.text, first.text);
    assert.ok(again.chunks > 2, `${again.chunks} chunks`);
  });

  test('a negation, an opposite or another number is not served the cached answer', async () => {
    await ask(gateway, red.key, 'Is 10 mg of melatonin safe for adults?');
    const dose = await ask(gateway, red.key, 'Is 100 mg of melatonin safe for adults?');
    assert.equal(dose.cache, 'miss');
    assert.match(dose.text, /100 mg/);
    const opposite = await ask(gateway, red.key, 'How do I disable two-factor authentication on my account?');
    assert.equal(opposite.cache, 'miss');
    assert.match(opposite.text, /disable/);
    const negated = await ask(
      gateway,
      red.key,
      "I don't want to enable two-factor authentication on my account",
    );
    assert.equal(negated.cache, 'miss');
  });

  test('another team never receives the answer', async () => {
    const other = await ask(gateway, blue.key, 'how can I enable two-factor authentication for my account');
    assert.equal(other.cache, 'miss');
  });

  test('a key not allowed the embedding model still gets its answer, uncached by meaning', async () => {
    const key = await admin('POST', '/admin/keys', { name: 'chat-only', team: 'red', models: ['mock-fast'] });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const first = await ask(gateway, key.body.key, 'Which printer is on the third floor?');
    assert.equal(first.cache, 'miss');
    // The embedding call is refused (the key may not use mock-embed), so the lookup misses.
    const again = await ask(gateway, key.body.key, 'which printer is on the third floor');
    assert.equal(again.cache, 'miss');
    assert.match(again.text, /which printer is on the third floor/);
  });

  test('the embedding call is recorded under route internal:cache:embed, charged to the team', async () => {
    const logs = await admin('GET', `/admin/logs?tag=internal=cache:embed&team=${red.team}&limit=100`);
    assert.equal(logs.status, 200);
    const embeds = logs.body.data as Array<{
      route: string;
      surface: string;
      model: string;
      team_id: string;
    }>;
    assert.ok(embeds.length >= 4, `${embeds.length} embedding calls recorded`);
    for (const event of embeds) {
      assert.equal(event.route, 'internal:cache:embed');
      assert.equal(event.surface, 'internal');
      assert.equal(event.model, 'mock-embed');
      assert.equal(event.team_id, red.team);
    }
    const hits = await admin('GET', `/admin/logs?team=${red.team}&limit=100`);
    const semanticHit = (
      hits.body.data as Array<{ cache: string | null; cache_similarity: number | null }>
    ).find((event) => event.cache === 'semantic-hit');
    assert.ok(
      semanticHit && semanticHit.cache_similarity! >= 0.8,
      'the hit is on the record with its similarity',
    );
  });

  test('/admin/cache/calibration says calibration is off here', async () => {
    const report = await admin('GET', '/admin/cache/calibration');
    assert.equal(report.status, 200);
    assert.deepEqual(report.body, {
      enabled: true,
      threshold: 0.8,
      calibration_rate: 0,
      data: [],
      next_cursor: null,
    });
  });
});

describe('semantic cache with calibration', () => {
  let gateway: Gateway;
  const admin = adminClient(() => gateway);

  before(async () => {
    gateway = await startTestGateway({
      ...mockOnlyConfig,
      cache: { semantic: { embedding_model: 'builtin', threshold: 0.8, calibration_rate: 1 } },
    });
  });
  after(async () => {
    await gateway?.stop(0);
  });

  test('a sampled would-be hit goes upstream, and the comparison is reported per model and team', async () => {
    const { key, team } = await teamKey(admin, 'green');
    const first = await ask(gateway, key, 'Where can I download my payslips?');
    assert.equal(first.cache, 'miss');
    const sampled = await ask(gateway, key, 'where can I download my payslip');
    assert.equal(sampled.cache, 'miss', 'sampled for calibration: answered fresh');
    assert.match(sampled.text, /where can I download my payslip/);
    // The comparison runs once the fresh answer is complete, after the caller has it.
    let report = await admin('GET', '/admin/cache/calibration');
    for (let i = 0; i < 80 && report.body.data.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      report = await admin('GET', '/admin/cache/calibration');
    }
    const [row] = report.body.data;
    assert.equal(row.model, 'mock-fast');
    assert.equal(row.team_id, team);
    assert.equal(row.samples, 1);
    // The mock answers by quoting the question: the two wordings get different answers, a false hit.
    assert.equal(row.false_hits, 1);
    assert.equal(row.false_hit_rate, 1);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(
      metrics,
      /gatehouse_cache_semantic_calibration_samples\{model="mock-fast",team="[^"]+",outcome="false_hit"\} 1/,
    );
  });
});

describe('semantic cache shared by two replicas through PostgreSQL', async () => {
  const pg = await freshPostgres();
  let one: Gateway;
  let two: Gateway;

  before(async () => {
    if (!pg.url) return;
    const config = { ...mockOnlyConfig, cache: { semantic: { embedding_model: 'builtin', threshold: 0.8 } } };
    one = await startTestGateway(config, { databaseUrl: pg.url });
    two = await startTestGateway(config, { databaseUrl: pg.url });
  });
  after(async () => {
    await one?.stop(0);
    await two?.stop(0);
    await pg.drop();
  });

  test('an answer stored through one replica is a semantic hit on the other within a second', {
    skip: pg.skip ?? false,
  }, async () => {
    const first = await ask(one, testMasterKey, 'Which bus goes to the airport from the office?');
    assert.equal(first.cache, 'miss');
    // One try, 600 ms after the write: a miss on the second replica would store an answer of its
    // own, which later tries would find instead. The replicas follow each other every 250 ms.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const again = await ask(two, testMasterKey, 'which bus goes to the airport from the office');
    assert.equal(again.cache, 'semantic-hit');
    assert.equal(again.text, first.text);
  });
});
