import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../store/index.ts';
import { databaseSink } from './events.ts';
import { sampleEvent } from '../../test/helpers/events.ts';
import type { EventRow } from './recorder.ts';
import { histogramColumns } from './latency-histogram.ts';

const hour = 3_600_000;
const row = (i: number, over: Partial<EventRow> = {}): EventRow =>
  sampleEvent(`event-${i}`, {
    request_id: `req-${i}`,
    received_at: 1_000 * hour + i,
    duration_ms: 5,
    first_byte_ms: 4,
    key_id: 'key_1',
    team_id: 'team_1',
    input_tokens: 10,
    output_tokens: 5,
    cache_read_tokens: 2,
    reasoning_tokens: 1,
    cost_usd: 0.5,
    tags: '{"env":"prod"}',
    ...over,
  });

test('a replayed batch is stored and counted once', async () => {
  const database = await openDatabase('sqlite::memory:');
  const sink = databaseSink(database);
  const rows = [
    row(1, { cache: 'miss' }),
    row(2, { cache: 'hit', saved_usd: 0.25 }),
    row(3, { status: 502, cost_usd: null, input_tokens: null, cache: 'bypass' }),
  ];
  await sink.write(rows);
  await sink.write([...rows, row(4, { received_at: 1_001 * hour, cost_usd: null })]);
  const hourly = await database.db.selectFrom('usage_hourly').selectAll().orderBy('hour').execute();
  assert.equal(hourly.length, 2);
  // Two successful requests of 5 ms (bucket 1); neither streamed, so no time to first token.
  const latency = Object.fromEntries(histogramColumns.map((c) => [c, c === 'latency_1' ? 2 : 0]));
  assert.deepEqual(
    { ...hourly[0], hour: undefined },
    {
      hour: undefined,
      team_id: 'team_1',
      key_id: 'key_1',
      user_id: '',
      model: 'm',
      provider: 'p',
      requests: 3,
      errors: 1,
      unpriced: 0,
      input_tokens: 20,
      output_tokens: 15,
      cache_read_tokens: 6,
      cache_write_tokens: 0,
      reasoning_tokens: 3,
      cost_usd: 1,
      cache_lookups: 2,
      cache_hits: 1,
      saved_usd: 0.25,
      ...latency,
    },
  );
  assert.equal(hourly[1]!.unpriced, 1, 'a priced-nowhere success is counted as unpriced');
  // Hours 1000 and 1001 are both in day 41; the daily rollup has no user dimension.
  const daily = await database.db.selectFrom('usage_daily').selectAll().execute();
  assert.deepEqual(
    daily.map((d) => [d.day, d.key_id, d.requests, d.errors, d.unpriced, d.cost_usd]),
    [[41, 'key_1', 4, 1, 1, 1]],
  );
  const dailyTags = await database.db.selectFrom('usage_daily_tags').selectAll().execute();
  assert.deepEqual(
    dailyTags.map((t) => [t.day, t.tag_key, t.tag_value, t.requests]),
    [[41, 'env', 'prod', 4]],
  );
  const tags = await database.db.selectFrom('usage_hourly_tags').selectAll().execute();
  assert.deepEqual(
    tags.map((t) => [t.tag_key, t.tag_value, t.requests]),
    [
      ['env', 'prod', 3],
      ['env', 'prod', 1],
    ],
  );
  await database.close();
});

test('events are summed per group of the same hour, caller, model, provider and tags, and no two groups merge', async () => {
  const database = await openDatabase('sqlite::memory:');
  const sink = databaseSink(database);
  // Joined without separators these two would spell the same model and provider.
  const ab = (i: number) => row(i, { model: 'ab', provider: 'c', cost_usd: 0.25 });
  const a = (i: number) => row(i, { model: 'a', provider: 'bc', cost_usd: 0.125 });
  await sink.write([ab(1), a(2), ab(3), row(4, { user_id: 'user_1' }), a(5), ab(6)]);
  const hourly = await database.db
    .selectFrom('usage_hourly')
    .select(['model', 'provider', 'user_id', 'requests', 'input_tokens', 'cost_usd'])
    .orderBy('model')
    .orderBy('user_id')
    .execute();
  // Rows come back without a prototype.
  assert.deepEqual(
    hourly.map((r) => ({ ...r })),
    [
      { model: 'a', provider: 'bc', user_id: '', requests: 2, input_tokens: 20, cost_usd: 0.25 },
      { model: 'ab', provider: 'c', user_id: '', requests: 3, input_tokens: 30, cost_usd: 0.75 },
      { model: 'm', provider: 'p', user_id: 'user_1', requests: 1, input_tokens: 10, cost_usd: 0.5 },
    ],
  );
  const daily = await database.db
    .selectFrom('usage_daily')
    .select(['model', 'requests'])
    .orderBy('model')
    .execute();
  assert.deepEqual(
    daily.map((r) => ({ ...r })),
    [
      { model: 'a', requests: 2 },
      { model: 'ab', requests: 3 },
      { model: 'm', requests: 1 },
    ],
  );
  await database.close();
});

test('latency counts successful requests, and time to first token only streamed ones, in every rollup', async () => {
  const database = await openDatabase('sqlite::memory:');
  const sink = databaseSink(database);
  await sink.write([
    row(1, { duration_ms: 1_200.4, first_byte_ms: 1_199, stream: 0 }),
    row(2, { duration_ms: 3_000, first_byte_ms: 250, stream: 1 }),
    // Failed, or without a duration: neither counts.
    row(3, { status: 502, duration_ms: 40, first_byte_ms: 10, stream: 1 }),
    row(4, { duration_ms: null, first_byte_ms: null, stream: 1 }),
  ]);
  const counts = (r: Record<string, unknown>, name: string) =>
    Object.fromEntries(
      histogramColumns
        .filter((c) => c.startsWith(`${name}_`) && Number(r[c]) > 0)
        .map((c) => [c, Number(r[c])]),
    );
  for (const table of ['usage_hourly', 'usage_daily', 'usage_hourly_tags', 'usage_daily_tags'] as const) {
    const [r] = await database.db.selectFrom(table).selectAll().execute();
    // 1 201 ms (rounded up) and 3 000 ms fall in [640, 1280) and [2560, 5120); 250 ms in [160, 320).
    assert.deepEqual(counts(r!, 'latency'), { latency_8: 1, latency_10: 1 }, table);
    assert.deepEqual(counts(r!, 'ttft'), { ttft_6: 1 }, table);
  }
  await database.close();
});
