import assert from 'node:assert/strict';
import { test } from 'node:test';
import { periodBounds } from './periods.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

test('days, weeks and months start at local midnight in the zone', () => {
  const now = at('2026-11-18T15:00:00Z'); // a Wednesday
  assert.deepEqual(periodBounds('day', now, 'UTC'), {
    start: at('2026-11-18T00:00:00Z'),
    end: at('2026-11-19T00:00:00Z'),
  });
  assert.equal(iso(periodBounds('week', now, 'UTC').start), '2026-11-16T00:00:00.000Z');
  assert.equal(iso(periodBounds('month', now, 'UTC').start), '2026-11-01T00:00:00.000Z');
  assert.equal(iso(periodBounds('month', now, 'UTC').end), '2026-12-01T00:00:00.000Z');
  assert.equal(iso(periodBounds('day', now, 'America/New_York').start), '2026-11-18T05:00:00.000Z');
  assert.equal(
    iso(periodBounds('day', at('2026-11-18T02:00:00Z'), 'America/New_York').start),
    '2026-11-17T05:00:00.000Z',
  );
  assert.equal(iso(periodBounds('month', now, 'Asia/Tokyo').start), '2026-10-31T15:00:00.000Z');
});

test('a day across a daylight-saving change is 23 or 25 hours long', () => {
  const spring = periodBounds('day', at('2026-03-08T12:00:00Z'), 'America/New_York');
  assert.equal((spring.end - spring.start) / 3_600_000, 23);
  const autumn = periodBounds('day', at('2026-11-01T12:00:00Z'), 'America/New_York');
  assert.equal((autumn.end - autumn.start) / 3_600_000, 25);
});

test('a total budget never resets; months roll over the year', () => {
  assert.equal(periodBounds('total', Date.now(), 'UTC').start, 0);
  assert.equal(iso(periodBounds('month', at('2026-12-20T00:00:00Z'), 'UTC').end), '2027-01-01T00:00:00.000Z');
});
