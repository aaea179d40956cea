import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../store/index.ts';
import { EventStores } from './event-stores.ts';
import { databaseSink } from './events.ts';
import { sampleEvent } from '../../test/helpers/events.ts';

const hour = 3_600_000;

const row = (id: string, at: number, cost: number) => sampleEvent(id, { received_at: at, cost_usd: cost });

test('spend history: full baseline hours from the first with data, then the last 60 minutes', async () => {
  const database = await openDatabase('sqlite::memory:');
  const stores = await EventStores.open({
    database,
    regions: {},
    spillDir: mkdtempSync(join(tmpdir(), 'gatehouse-stores-')),
    logging: { bodies: 'metadata', retention_check_minutes: 60 },
    log: () => {},
  });
  const now = 1000 * hour + hour / 4; // a quarter into hour 1000
  await databaseSink(database).write([
    row('a', 996 * hour + 10, 1), // the first hour with data
    row('b', 998 * hour + 10, 2),
    row('c', 999 * hour + 10, 4), // the hour before: 3/4 of it is within the last 60 minutes
    row('d', 1000 * hour + 10, 8),
  ]);
  assert.deepEqual(await stores.spendHistory(6, now), [1, 0, 2, 8 + 4 * 0.75]);
  await stores.stop();
  await database.close();
});
