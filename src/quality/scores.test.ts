import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bothStores } from '../../test/helpers/database.ts';
import { openDatabase } from '../store/index.ts';
import { listScores, recordScore, rollup } from './scores.ts';

for (const store of await bothStores()) {
  test(`scores are stored, listed by filter and rolled up per group and name (${store.name})`, {
    skip: store.skip,
  }, async () => {
    const { db, close } = await openDatabase(store.url);
    const base = { teamId: 'team_a', model: 'bot', target: 'mock/m1', experiment: 'trial', createdAt: 1000 };
    await recordScore(db, [
      { ...base, requestId: 'r1', variant: 'a', source: 'feedback', name: 'thumbs', value: true },
      { ...base, requestId: 'r2', variant: 'a', source: 'feedback', name: 'thumbs', value: false },
      {
        ...base,
        requestId: 'r3',
        variant: 'b',
        source: 'feedback',
        name: 'thumbs',
        value: true,
        tags: { by: 'qa' },
      },
      { ...base, requestId: 'r3', variant: 'b', source: 'evaluator', name: 'json', value: 0.5 },
      { ...base, teamId: 'team_b', requestId: 'r4', source: 'feedback', name: 'thumbs', value: 0 },
    ]);
    const mine = await listScores(db, { teamId: 'team_a', name: 'thumbs' });
    assert.equal(mine.length, 3);
    assert.deepEqual(mine.find((s) => s.requestId === 'r3')?.tags, { by: 'qa' });
    assert.equal(mine.find((s) => s.requestId === 'r1')?.value, 1);
    const rows = await rollup(db, { teamId: 'team_a' }, ['variant']);
    assert.deepEqual(
      rows.map((r) => [r.group.variant, r.group.name, r.count, r.mean]),
      [
        ['a', 'thumbs', 2, 0.5],
        ['b', 'json', 1, 0.5],
        ['b', 'thumbs', 1, 1],
      ],
    );
    assert.equal((await listScores(db, { since: 2000 })).length, 0);
    await close();
    await store.drop();
  });
}
