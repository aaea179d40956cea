import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { z } from 'zod';
import { GatehouseError } from '../core/errors/index.ts';
import type { RequestContext } from '../pipeline/index.ts';
import type { AdminDeps } from './deps.ts';
import { openapiDocument } from './openapi.ts';
import { type AdminHttp, defineRoute, findRoute } from './route.ts';

let invalidated = 0;
const deps = {
  auth: { invalidate: () => invalidated++ },
  // The server's body reader in small: the routes are handed a reader, they do not import one.
  readJson: async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new GatehouseError('GH_INVALID_JSON', 'The body is not valid JSON.');
    }
  },
} as unknown as AdminDeps;
const ctx = { principal: { kind: 'master' } } as unknown as RequestContext;

function request(body?: string): AdminHttp {
  const req = Readable.from(body === undefined ? [] : [Buffer.from(body)]) as unknown as IncomingMessage;
  req.headers = body === undefined ? { 'content-length': '0' } : { 'content-length': String(body.length) };
  return { req, secure: false, setCookie: () => {}, redirect: () => {} };
}

const thing = z.object({ id: z.string(), size: z.number().int() });
const route = defineRoute({
  method: 'PATCH',
  path: '/admin/things/{thing}',
  summary: 'Change a thing',
  query: z.strictObject({ dry_run: z.string().optional() }),
  body: z.strictObject({ size: z.number().int() }),
  changesAccess: true,
  response: thing,
  handle: async ({ params, body }) =>
    // An extra field a careless handler leaves in: the contract drops it.
    ({ id: params.thing, size: body.size, secret_hash: 'abc' }) as z.input<typeof thing>,
});

async function run(path: string, body?: string) {
  const url = new URL(path, 'http://gatehouse');
  const found = findRoute([route], 'PATCH', url.pathname);
  assert.ok('route' in found);
  return found.route.run(deps, ctx, request(body), found.match, url);
}

test('a route answers only what its response schema declares, and says when access changed', async () => {
  const before = invalidated;
  assert.deepEqual(await run('/admin/things/a%20b', '{"size":3}'), { id: 'a b', size: 3 });
  assert.equal(invalidated, before + 1);
});

test('unknown query parameters are refused by name; the body is checked by its schema', async () => {
  await assert.rejects(
    run('/admin/things/x?dry_run=1&colour=red&shape=round', '{"size":3}'),
    (err: GatehouseError) => {
      assert.equal(err.status, 400);
      assert.equal(err.param, 'colour');
      assert.match(err.message, /unknown query parameters "colour", "shape" \(it takes dry_run\)/);
      return true;
    },
  );
  await assert.rejects(run('/admin/things/x', '{"size":"big"}'), { param: 'size', status: 400 });
  await assert.rejects(run('/admin/things/x'), { code: 'GH_INVALID_JSON' });
});

test('an answer that breaks its schema is an internal error, never a different shape', async () => {
  const broken = defineRoute({
    method: 'GET',
    path: '/admin/broken',
    summary: 'Broken',
    response: thing,
    handle: async () => ({ id: 'x', size: 1.5 }),
  });
  const found = findRoute([broken], 'GET', '/admin/broken');
  assert.ok('route' in found);
  await assert.rejects(found.route.run(deps, ctx, request(), found.match, new URL('http://g/admin/broken')), {
    code: 'GH_INTERNAL',
  });
});

test('a path that exists under another method names the methods; an unknown one names none', () => {
  assert.deepEqual(findRoute([route], 'GET', '/admin/things/x'), { allowed: ['PATCH'] });
  assert.deepEqual(findRoute([route], 'GET', '/admin/nothing'), { allowed: [] });
});

test('the OpenAPI document carries the path, query, body and answer schemas of each route', () => {
  const op = openapiDocument([route]).paths['/admin/things/{thing}']!.patch as Record<string, any>;
  assert.deepEqual(
    op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
    ['path:thing', 'query:dry_run'],
  );
  assert.deepEqual(op.requestBody.content['application/json'].schema.required, ['size']);
  const answer = op.responses['200'].content['application/json'].schema;
  assert.deepEqual(Object.keys(answer.properties), ['id', 'size']);
  assert.equal(answer.properties.size.type, 'integer');
  assert.ok(op.responses['404'] && op.responses['409']);
  assert.equal(
    op['x-gatehouse-access'],
    'admin',
    'a route that declares no access is documented as admin-only',
  );
});

test('a route that declares no access is for admins only; a viewer is refused before it runs', async () => {
  let ran = false;
  const quiet = defineRoute({
    method: 'GET',
    path: '/admin/new-thing',
    summary: 'A route added without an access declaration',
    response: z.object({}),
    handle: async () => {
      ran = true;
      return {};
    },
  });
  const found = findRoute([quiet], 'GET', '/admin/new-thing');
  assert.ok('route' in found);
  const identity = { kind: 'oidc', name: 'ana', role: 'team_admin', teams: ['a'], team_ids: ['team_a'] };
  const viewer = { principal: { kind: 'identity', identity } } as unknown as RequestContext;
  const url = new URL('http://g/admin/new-thing');
  await assert.rejects(found.route.run(deps, viewer, request(), found.match, url), { code: 'GH_FORBIDDEN' });
  assert.equal(ran, false);
  assert.deepEqual(await found.route.run(deps, ctx, request(), found.match, url), {});
  assert.equal(ran, true);
});
