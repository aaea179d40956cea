// Quality-gated caching end to end (docs/cache.md, "Quality gate"): a thumbs-down on an answer —
// the one that was stored or one served from the cache — evicts it from the store, so the next
// identical request goes upstream (with SQLite, PostgreSQL and Redis as the store); a low evaluator
// score does the same; require_score serves only rated answers; a replica with a higher min_score
// refuses an entry another keeps; another team's feedback cannot touch a team's answers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { adminClient } from '../helpers/admin.ts';
import { freshPostgres } from '../helpers/database.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';
import { redisUrl } from '../helpers/redis.ts';
import { serviceAddress, startTcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';

const redis = await redisUrl();
const postgres = await freshPostgres();
const gateways: Gateway[] = [];
after(async () => {
  for (const g of gateways) {
    await fetch(`${g.url}/admin/cache`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${testMasterKey}` },
    }).catch(() => undefined);
    await g.stop(0);
  }
  await postgres.drop();
});

const prefix = () => `gh-qcache-test-${randomBytes(4).toString('hex')}:`;

function config(gate: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    providers: { mock: { type: 'mock' } },
    models: {
      chat: { targets: [{ provider: 'mock', model: 'mock-fast' }] },
      graded: { targets: [{ provider: 'mock', model: 'mock-fast' }], evaluators: ['mentions-paris'] },
      praised: { targets: [{ provider: 'mock', model: 'mock-fast' }], evaluators: ['is-mock'] },
      'mock-embed': { targets: [{ provider: 'mock', model: 'mock-embed' }] },
    },
    evaluators: {
      // The mock's answers never mention Paris (score 0) and always say "Mock answer" (score 1).
      'mentions-paris': { type: 'regex', pattern: 'Paris' },
      'is-mock': { type: 'regex', pattern: 'Mock answer' },
    },
    cache: { redis_prefix: prefix(), quality_gate: gate },
    ...extra,
  };
}

async function start(cfg: Record<string, unknown>, options: Parameters<typeof startTestGateway>[1] = {}) {
  const gateway = await startTestGateway(cfg, options);
  gateways.push(gateway);
  return gateway;
}

interface Asked {
  id: string;
  cache: string | null;
  gate: string | null;
}

async function ask(gateway: Gateway, prompt: string, model = 'chat', key = testMasterKey): Promise<Asked> {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: 'user', content: prompt }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
  return {
    id: res.headers.get('x-request-id')!,
    cache: res.headers.get('x-gatehouse-cache'),
    gate: res.headers.get('x-gatehouse-cache-gate'),
  };
}

/**
 * Asks until the answer comes from the cache (a shared store's write lands just after the answer);
 * `missed` is every request that missed on the way. Each stored its answer, and the writes may land
 * in any order, so the entry holds the answer of one of them, not necessarily the last.
 */
async function hit(
  gateway: Gateway,
  prompt: string,
  model = 'chat',
  key = testMasterKey,
): Promise<Asked & { missed: string[] }> {
  let last: Asked | undefined;
  const missed: string[] = [];
  for (let i = 0; i < 100; i++) {
    last = await ask(gateway, prompt, model, key);
    if (last.cache === 'hit') return { ...last, missed };
    missed.push(last.id);
    await until(() => false, 20);
  }
  assert.fail(`no hit for "${prompt}": ${JSON.stringify(last)}`);
}

async function feedback(gateway: Gateway, body: unknown, key = testMasterKey) {
  const res = await fetch(`${gateway.url}/v1/feedback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const prompt = (what: string) => `${what} ${randomBytes(6).toString('hex')}`;

const metric = async (gateway: Gateway, outcome: string) => {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const match = new RegExp(`gatehouse_cache_quality_gate\\{outcome="${outcome}"\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : undefined;
};

const stores = [
  { name: 'SQLite', skip: false as string | false, options: () => ({}) },
  {
    name: 'PostgreSQL',
    skip: postgres.skip ?? (false as string | false),
    options: () => ({ databaseUrl: postgres.url! }),
  },
  {
    name: 'Redis',
    skip: redis ? (false as string | false) : 'Redis is not running; skipping',
    options: () => ({ redisUrl: redis! }),
  },
];

for (const store of stores) {
  describe(`the quality gate with the ${store.name} store`, { skip: store.skip }, () => {
    test('a thumbs-down on a served answer evicts it: the next identical request is a miss', async () => {
      const gateway = await start(config({}), store.options());
      const question = prompt('What is the capital of France?');
      assert.equal((await ask(gateway, question)).cache, 'miss');
      const served = await hit(gateway, question);
      // One more hit: the first one's note (served from which entry) has landed by then.
      assert.equal((await ask(gateway, question)).cache, 'hit');
      const rated = await feedback(gateway, { request_id: served.id, name: 'thumbs', value: false });
      assert.equal(rated.status, 200, JSON.stringify(rated.body));
      const after = await ask(gateway, question);
      assert.equal(after.cache, 'miss');
      assert.equal(after.gate, null, 'evicted, so not found: a plain miss');
      assert.equal(await metric(gateway, 'evicted'), 1);
      // The fresh answer is stored and served again.
      assert.equal((await hit(gateway, question)).cache, 'hit');
    });

    test('a thumbs-down on the request that stored the answer evicts it too', async () => {
      const gateway = await start(config({}), store.options());
      const question = prompt('Name a prime number.');
      const first = await ask(gateway, question);
      assert.equal(first.cache, 'miss');
      // A repeat asked before the first answer's write landed stored its own answer too: whichever
      // of them the entry holds, its storing request is rated.
      for (const id of [first.id, ...(await hit(gateway, question)).missed]) {
        const rated = await feedback(gateway, { request_id: id, name: 'thumbs', value: 0 });
        assert.equal(rated.status, 200, JSON.stringify(rated.body));
      }
      assert.equal((await ask(gateway, question)).cache, 'miss');
    });
  });
}

describe('the quality gate with the SQLite store', () => {
  test('a low evaluator score evicts the answer; a good one keeps it', async () => {
    const gateway = await start(config({ min_score: 0.5 }));
    const bad = prompt('Where is the Eiffel tower?');
    assert.equal((await ask(gateway, bad, 'graded')).cache, 'miss');
    await until(() => gateway.quality.stats.queued >= 1, 5000);
    await gateway.quality.drained();
    assert.equal((await ask(gateway, bad, 'graded')).cache, 'miss', 'evicted by its score of 0');
    const good = prompt('Say something.');
    assert.equal((await ask(gateway, good, 'praised')).cache, 'miss');
    await until(() => gateway.quality.stats.queued >= 3, 5000);
    await gateway.quality.drained();
    assert.equal((await ask(gateway, good, 'praised')).cache, 'hit');
    // Both answers to the bad question were scored 0 and evicted; the good one stays.
    assert.equal(await metric(gateway, 'evicted'), 2);
  });

  test('require_score serves only answers whose request was rated, and keeps the unrated one waiting', async () => {
    const gateway = await start(config({ require_score: true, scores: ['thumbs'] }));
    const question = prompt('Summarise the plot of Hamlet.');
    const first = await ask(gateway, question);
    assert.equal(first.cache, 'miss');
    const unrated = await ask(gateway, question);
    assert.equal(unrated.cache, 'miss');
    assert.equal(unrated.gate, 'unrated');
    assert.equal(await metric(gateway, 'unrated'), 1);
    // A score of a name that does not count changes nothing.
    await feedback(gateway, { request_id: first.id, name: 'stars', value: 1 });
    assert.equal((await ask(gateway, question)).gate, 'unrated');
    // The first answer was kept, unrated, while the others went upstream: rating it makes it served.
    const rated = await feedback(gateway, { request_id: first.id, name: 'thumbs', value: true });
    assert.equal(rated.status, 200);
    const served = await ask(gateway, question);
    assert.equal(served.cache, 'hit');
    assert.equal(served.gate, null);
  });

  test('numbers count as scores 0..1: a rating below min_score evicts, one above keeps', async () => {
    const gateway = await start(config({ min_score: 0.7, evict_on_negative_feedback: false }));
    const kept = prompt('Kept answer.');
    const keptId = (await ask(gateway, kept)).id;
    await feedback(gateway, { request_id: keptId, name: 'rating', value: 0.9 });
    assert.equal((await ask(gateway, kept)).cache, 'hit');
    const dropped = prompt('Dropped answer.');
    const droppedId = (await ask(gateway, dropped)).id;
    await feedback(gateway, { request_id: droppedId, name: 'rating', value: 0.4 });
    assert.equal((await ask(gateway, dropped)).cache, 'miss');
  });

  test('a thumbs-down on a semantic hit evicts the entry it was served from', async () => {
    const cfg = config({});
    (cfg.cache as any).semantic = { embedding_model: 'mock-embed', threshold: 0.8 };
    const gateway = await start(cfg);
    const original = 'How do I enable two-factor authentication on my account?';
    const paraphrase = 'how can I enable two-factor authentication for my account';
    assert.equal((await ask(gateway, original)).cache, 'miss');
    let similar: Asked | undefined;
    for (let i = 0; i < 100 && similar?.cache !== 'semantic-hit'; i++) {
      similar = await ask(gateway, paraphrase);
      if (similar.cache !== 'semantic-hit') await until(() => false, 20);
    }
    assert.equal(similar?.cache, 'semantic-hit');
    const rated = await feedback(gateway, { request_id: similar!.id, name: 'thumbs', value: false });
    assert.equal(rated.status, 200, JSON.stringify(rated.body));
    assert.equal((await ask(gateway, paraphrase)).cache, 'miss');
    assert.equal(await metric(gateway, 'evicted'), 1);
  });

  test('another team cannot evict a team’s answer: its feedback is not found', async () => {
    const gateway = await start(config({}));
    const admin = adminClient(() => gateway);
    const keys: Record<string, string> = {};
    for (const name of ['owners', 'others']) {
      assert.equal((await admin('POST', '/admin/teams', { name })).status, 201);
      keys[name] = (await admin('POST', '/admin/keys', { name: `${name}-key`, team: name })).body.key;
    }
    const question = prompt('Our internal answer.');
    const first = await ask(gateway, question, 'chat', keys.owners);
    const served = await hit(gateway, question, 'chat', keys.owners);
    for (const id of [first.id, served.id]) {
      const foreign = await feedback(gateway, { request_id: id, name: 'thumbs', value: false }, keys.others);
      assert.equal(foreign.status, 404, JSON.stringify(foreign.body));
    }
    assert.equal((await ask(gateway, question, 'chat', keys.owners)).cache, 'hit');
    assert.equal(await metric(gateway, 'evicted'), 0);
  });
});

describe('two replicas with different min_score', {
  skip: redis ? false : 'Redis is not running; skipping',
}, () => {
  test('the stricter replica refuses an entry below its min_score, the other serves it', async () => {
    const cacheShared = prefix();
    const lenient = config({ min_score: 0.3, evict_on_negative_feedback: false });
    const strict = config({ min_score: 0.8, evict_on_negative_feedback: false });
    (lenient.cache as any).redis_prefix = cacheShared;
    (strict.cache as any).redis_prefix = cacheShared;
    const a = await start(lenient, { redisUrl: redis! });
    const b = await start(strict, { redisUrl: redis! });
    const question = prompt('A middling answer.');
    const first = await ask(a, question);
    for (const id of [first.id, ...(await hit(a, question)).missed])
      assert.equal((await feedback(a, { request_id: id, name: 'rating', value: 0.5 })).status, 200);
    assert.equal((await ask(a, question)).cache, 'hit');
    const refused = await ask(b, question);
    assert.equal(refused.cache, 'miss');
    assert.equal(refused.gate, 'below-min-score');
    assert.equal(await metric(b, 'below_min_score'), 1);
    // The request log says why it missed.
    const admin = adminClient(() => b);
    let logged: any;
    for (let i = 0; i < 100 && !logged; i++) {
      logged = (await admin('GET', `/admin/logs?request_id=${refused.id}`)).body.data?.[0];
      if (!logged) await until(() => false, 50);
    }
    assert.equal(logged.cache, 'miss');
    assert.equal(logged.tags.cache_gate, 'below-min-score');
  });
});

describe('the quality gate while Redis is down', {
  skip: redis ? false : 'Redis is not running; skipping',
}, () => {
  test('feedback is still stored and answered; the cache notes nothing until Redis returns', async () => {
    const proxy = await startTcpProxy(serviceAddress(redis!, 6379));
    try {
      const logged: string[] = [];
      const gateway = await start(config({}), {
        redisUrl: proxy.proxied(redis!),
        log: (line) => logged.push(line),
      });
      const question = prompt('Rated through an outage.');
      const first = await ask(gateway, question);
      await hit(gateway, question);
      proxy.cut();
      const rated = await feedback(gateway, { request_id: first.id, name: 'thumbs', value: false });
      assert.equal(rated.status, 200, JSON.stringify(rated.body));
      const stored = (await adminClient(() => gateway)('GET', `/admin/scores?request_id=${first.id}`)).body;
      assert.equal(stored.data.length, 1, 'the feedback is a score all the same');
      assert.ok(
        logged.some((line) => /response cache \(redis\): noting a score failed/.test(line)),
        logged.join('\n'),
      );
      proxy.restore();
      // Back: the entry the rating could not reach is still there (it is served again).
      assert.equal((await hit(gateway, question)).cache, 'hit');
      // A purge while the store is away is refused as unavailable, to retry: never a 500.
      proxy.cut();
      const purge = await fetch(`${gateway.url}/admin/cache`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${testMasterKey}` },
      });
      assert.equal(purge.status, 503, await purge.clone().text());
      proxy.restore();
    } finally {
      await proxy.close();
    }
  });
});
