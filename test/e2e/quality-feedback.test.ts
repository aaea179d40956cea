// Feedback on answers: a key may rate only its own team's requests (another team's are "not found"),
// in the OpenAI error envelope when refused; batches are all or nothing; what is stored is listed
// and rolled up through the admin API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { mockOnlyConfig, startTestGateway } from '../helpers/gateway.ts';

let gateway: Gateway;
const admin = adminClient(() => gateway);
let keyA: string;
let keyB: string;
let teamA: string;

before(async () => {
  gateway = await startTestGateway(mockOnlyConfig);
  const a = await admin('POST', '/admin/teams', { name: 'support' });
  const b = await admin('POST', '/admin/teams', { name: 'search' });
  teamA = a.body.id;
  keyA = (await admin('POST', '/admin/keys', { name: 'support-bot', team: 'support' })).body.key;
  keyB = (await admin('POST', '/admin/keys', { name: 'search-bot', team: 'search' })).body.key;
  assert.ok(keyA && keyB && b.body.id);
});
after(() => gateway.stop());

async function ask(key: string, text: string): Promise<string> {
  const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const { response } = await client.chat.completions
    .create({ model: 'mock-fast', messages: [{ role: 'user', content: text }] })
    .withResponse();
  const id = response.headers.get('x-request-id');
  assert.ok(id);
  return id;
}

const feedback = (key: string, body: unknown) =>
  fetch(`${gateway.url}/v1/feedback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

test('a key rates its own team’s answer; another team’s key gets 404, and nothing is stored for it', async () => {
  const id = await ask(keyA, 'How do I reset my password?');
  const foreign = await feedback(keyB, { request_id: id, name: 'thumbs', value: true });
  assert.equal(foreign.status, 404, JSON.stringify(foreign.body));
  assert.equal(foreign.body.error.type, 'not_found_error');
  assert.match(foreign.body.error.message, /no request .* of your team/);
  const own = await feedback(keyA, {
    request_id: id,
    name: 'thumbs',
    value: true,
    comment: 'clear',
    tags: { channel: 'web' },
  });
  assert.equal(own.status, 200, JSON.stringify(own.body));
  assert.equal(own.body.data.length, 1);
  const listed = await admin('GET', `/admin/feedback?request_id=${id}`);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.body.data.length, 1);
  const [row] = listed.body.data;
  assert.equal(row.team_id, teamA);
  assert.equal(row.model, 'mock-fast');
  assert.equal(row.target, 'mock/mock-fast');
  assert.equal(row.value, 1);
  assert.equal(row.comment, 'clear');
  assert.deepEqual(row.tags, { channel: 'web' });
  // A request id that never existed is as unknown as another team's.
  const none = await feedback(keyA, { request_id: 'no-such-request', name: 'thumbs', value: 1 });
  assert.equal(none.status, 404);
});

test('a batch is stored whole, or refused whole when one item is not the team’s', async () => {
  const ids = [await ask(keyA, 'one'), await ask(keyA, 'two')];
  const other = await ask(keyB, 'three');
  const mixed = await feedback(keyA, {
    items: [
      { request_id: ids[0], name: 'csat', value: 4 },
      { request_id: other, name: 'csat', value: 5 },
    ],
  });
  assert.equal(mixed.status, 404, JSON.stringify(mixed.body));
  assert.match(mixed.body.error.message, /items\[1\]\.request_id/);
  assert.equal((await admin('GET', '/admin/feedback?name=csat')).body.data.length, 0);
  const batch = await feedback(keyA, {
    items: [
      { request_id: ids[0], name: 'csat', value: 4 },
      { request_id: ids[1], name: 'csat', value: 2 },
    ],
  });
  assert.equal(batch.status, 200, JSON.stringify(batch.body));
  const rolled = await admin('GET', '/admin/quality?group_by=team,model&name=csat');
  assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
  assert.deepEqual(
    rolled.body.data.map((r: any) => [r.group.team, r.group.model, r.group.name, r.count, r.mean]),
    [[teamA, 'mock-fast', 'csat', 2, 3]],
  );
});

test('bad feedback is refused with the field named, in the OpenAI envelope', async () => {
  const id = await ask(keyA, 'four');
  const cases: Array<[unknown, RegExp]> = [
    [{ request_id: id, name: 'thumbs' }, /value: required/],
    [{ request_id: id, name: 'thumbs', value: 'yes' }, /value/],
    [{ request_id: id, name: 'bad name!', value: 1 }, /name/],
    [{ request_id: id, name: 'thumbs', value: 1, extra: 1 }, /extra: unknown field/],
    [{ items: Array.from({ length: 101 }, () => ({ request_id: id, name: 'x', value: 1 })) }, /at most 100/],
    [{ items: [] }, /at least one/],
  ];
  for (const [body, message] of cases) {
    const res = await feedback(keyA, body);
    assert.equal(res.status, 400, JSON.stringify(body).slice(0, 100));
    assert.equal(res.body.error.type, 'invalid_request_error');
    assert.match(res.body.error.message, message);
  }
  const anonymous = await fetch(`${gateway.url}/v1/feedback`, { method: 'POST', body: '{}' });
  assert.equal(anonymous.status, 401);
});
