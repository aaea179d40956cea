// Rate limits and budgets in one gateway process: OpenAI-style headers, 429 with Retry-After,
// concurrency slots, budgets that refuse what they cannot cover, spend reports, and a soft-threshold
// webhook. The multi-replica guarantees are in replicas.test.ts.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/server/index.ts';
import { bothStores } from '../helpers/database.ts';
import { startTestGateway, testMasterKey } from '../helpers/gateway.ts';

const stores = await bothStores();

for (const store of stores) {
  describe(`budgets and limits on ${store.name}`, { skip: store.skip ?? false }, () => {
    let gateway: Gateway;
    const hooks: any[] = [];
    const hookServer = createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      hooks.push(JSON.parse(text));
      res.end('ok');
    });

    before(async () => {
      hookServer.listen(0, '127.0.0.1');
      await once(hookServer, 'listening');
      const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
      gateway = await startTestGateway(
        {
          providers: { mock: { type: 'mock' }, slow: { type: 'mock', latency_ms: 1500 } },
          models: {
            'mock-fast': { targets: [{ provider: 'mock', model: 'mock-fast' }] },
            'slow-model': { targets: [{ provider: 'slow', model: 'mock-fast' }] },
            shared: { targets: [{ provider: 'mock', model: 'mock-fast' }], limits: { rpm: 2 } },
          },
          governance: { webhook_url: hookUrl },
        },
        { databaseUrl: store.url! },
      );
      assert.equal((await admin('POST', '/admin/teams', { name: 'lab' })).status, 201);
    });
    after(async () => {
      await gateway?.stop(0);
      hookServer.close();
      await store.drop();
    });

    async function admin(method: string, path: string, body?: unknown) {
      const res = await fetch(gateway.url + path, {
        method,
        headers: { authorization: `Bearer ${testMasterKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    }

    async function keyWith(rules: Record<string, unknown>): Promise<{ id: string; key: string }> {
      const created = await admin('POST', '/admin/keys', {
        name: `k-${Math.random()}`,
        team: 'lab',
        ...rules,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body;
    }

    function chat(key: string, model = 'mock-fast', maxTokens = 50) {
      return fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          max_tokens: maxTokens,
          messages: [{ role: 'user', content: 'hello' }],
        }),
      });
    }

    test('requests per minute: headers count down, then 429 with Retry-After', async () => {
      const { key } = await keyWith({ limits: { rpm: 3 } });
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await chat(key);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-ratelimit-limit-requests'), '3');
        assert.match(res.headers.get('x-ratelimit-reset-requests') ?? '', /^\d+(ms|s)$|^\d+m\d+s$/);
        remaining.push(res.headers.get('x-ratelimit-remaining-requests')!);
        await res.body?.cancel();
      }
      assert.deepEqual(remaining, ['2', '1', '0']);
      const refused = await chat(key);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      const body = (await refused.json()) as any;
      assert.equal(body.error.code, 'rate_limited');
      assert.match(body.error.message, /3 requests per minute/);
    });

    test('tokens per minute count the worst case, then what was used', async () => {
      const { key } = await keyWith({ limits: { tpm: 400 } });
      const first = await chat(key, 'mock-fast', 150);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-ratelimit-limit-tokens'), '400');
      await first.body?.cancel();
      // The first request's reservation was replaced by its (small) actual use, so a second fits too.
      const second = await chat(key, 'mock-fast', 150);
      assert.equal(second.status, 200);
      await second.body?.cancel();
      const tooBig = await chat(key, 'mock-fast', 390);
      assert.equal(tooBig.status, 429);
      assert.match(((await tooBig.json()) as any).error.message, /400 tokens per minute/);
    });

    test('concurrency: slots are taken for the whole call and given back after', async () => {
      const { key } = await keyWith({ limits: { concurrency: 2 } });
      const results = await Promise.all(
        Array.from({ length: 5 }, () => chat(key, 'slow-model').then((r) => r.status)),
      );
      assert.equal(results.filter((s) => s === 200).length, 2);
      assert.equal(results.filter((s) => s === 429).length, 3);
      assert.equal((await chat(key, 'slow-model')).status, 200, 'slots were released');
    });

    test('a model limit applies to every caller together', async () => {
      const a = await keyWith({});
      const b = await keyWith({});
      assert.equal((await chat(a.key, 'shared')).status, 200);
      assert.equal((await chat(b.key, 'shared')).status, 200);
      const third = await chat(a.key, 'shared');
      assert.equal(third.status, 429);
      assert.match(((await third.json()) as any).error.message, /model "shared"/);
    });

    test('a budget refuses what it cannot cover, and spend is reported and persisted', async () => {
      // The mock models cost $1 / $2 per million input / output tokens: each call here reserves about
      // (input + 50 output) tokens' worth and settles far less.
      const { id, key } = await keyWith({ budget: { usd: 0.0005, period: 'month', soft_threshold: 0.5 } });
      let ok = 0;
      let refusal: any;
      for (let i = 0; i < 100 && !refusal; i++) {
        const res = await chat(key);
        if (res.status === 200) ok++;
        else refusal = { status: res.status, body: await res.json() };
        if (res.status === 200) await res.body?.cancel();
      }
      assert.ok(ok > 1, `${ok} calls fit the budget`);
      assert.equal(refusal.status, 429);
      assert.equal(refusal.body.error.code, 'budget_exceeded');
      assert.match(refusal.body.error.message, /budget of \$0\.0005 per month/);
      const spend = await admin('GET', `/admin/keys/${id}/spend`);
      assert.equal(spend.status, 200);
      assert.ok(spend.body.spent_usd > 0 && spend.body.spent_usd <= 0.0005);
      assert.ok(spend.body.budget.remaining_usd < 0.0005);
      assert.equal(spend.body.budget.usd, 0.0005);
      assert.equal(spend.body.period, 'month');
      assert.ok(Date.parse(spend.body.resets_at) > Date.now());
      for (let i = 0; i < 20 && hooks.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(hooks.length, 1, 'one threshold notification per budget and period');
      assert.match(hooks[0].text, /budget/);
      assert.equal(hooks[0].event.kind, 'budget.threshold');
    });

    test('budgets and limits can be replaced, and bad values are refused by field', async () => {
      const { id, key } = await keyWith({ limits: { rpm: 1 } });
      assert.equal((await chat(key)).status, 200);
      assert.equal((await chat(key)).status, 429);
      const replaced = await admin('PUT', `/admin/keys/${id}/rules`, { limits: null });
      assert.equal(replaced.status, 200);
      assert.equal(replaced.body.limits, null);
      assert.equal((await chat(key)).status, 200, 'the change takes effect at once on this replica');
      for (const [body, param] of [
        [{ budget: { usd: -5, period: 'month' } }, 'budget.usd'],
        [{ budget: { usd: 'ten', period: 'month' } }, 'budget.usd'],
        [{ budget: { usd: 5, period: 'fortnight' } }, 'budget.period'],
        [{ limits: { rpm: 0 } }, 'limits.rpm'],
        [{ limits: { tpm: 1e10 } }, 'limits.tpm'],
        [{ limits: { rpm: 'many' } }, 'limits.rpm'],
        [{ limits: { burst: 5 } }, 'limits'],
      ] as const) {
        const res = await admin('PUT', `/admin/keys/${id}/rules`, body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.ok(
          String(res.body.error.param).startsWith(param),
          `${param}: ${JSON.stringify(res.body.error)}`,
        );
      }
      const bad = await admin('POST', '/admin/keys', {
        name: 'x',
        team: 'lab',
        budget: { usd: -1, period: 'day' },
      });
      assert.equal(bad.status, 400);
    });
  });
}
