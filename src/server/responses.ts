// The OpenAI Responses surface's conversation state around the chat pipeline: before the call,
// previous_response_id and item references are expanded from the caller's team's stored responses
// (the upstream always receives the whole conversation); after it, the answer is stored unless the
// caller said `store: false` or its body-logging mode is `off`. Stored text is redacted first.
import type { IncomingMessage } from 'node:http';
import * as openai from '../api/openai/index.ts';
import { GatehouseError } from '../core/errors/index.ts';
import type { ChatResult } from '../core/ir/index.ts';
import { authorizeModel } from '../governance/index.ts';
import type { Pipeline, RequestContext } from '../pipeline/index.ts';
import type { Target } from '../routing/index.ts';
import type { ResponseScope, ResponseStore } from '../store/responses.ts';
import { redactJson } from '../telemetry/index.ts';
import { answerChat } from './answers.ts';
import type { Responder } from './responder.ts';
import type { ChatSurface } from './surfaces.ts';

type Item = Record<string, unknown>;

/** What the Responses routes need of the gateway. */
export interface ResponsesDeps {
  pipeline: Pipeline;
  responses: ResponseStore;
  /** The models' targets, for the one check made before the pipeline (built-in tools). */
  targets: { resolve(model: string): readonly Target[] };
}

function scopeOf(ctx: RequestContext): ResponseScope {
  return { teamId: ctx.principal?.teamId ?? null, region: ctx.principal?.region ?? null };
}

function notFound(what: string, id: string): GatehouseError {
  return new GatehouseError('GH_RESPONSE_NOT_FOUND', `${what} with id '${id.slice(0, 200)}' not found.`);
}

/**
 * A stored item as input for a later turn. Upstream storage is off, so ids that point into it are
 * dropped, and so are reasoning items an upstream cannot verify without their encrypted content.
 */
function replayable(item: Item): Item | undefined {
  if (item.type === 'reasoning') return item.encrypted_content ? item : undefined;
  const { id: _id, ...rest } = item;
  return rest;
}

/** The caller's input with every item_reference replaced by the stored item it names. */
async function resolveReferences(store: ResponseStore, scope: ResponseScope, items: Item[]): Promise<Item[]> {
  const resolved: Item[] = [];
  for (const item of items) {
    if (item.type !== 'item_reference') {
      resolved.push(item);
      continue;
    }
    const id = typeof item.id === 'string' ? item.id : '';
    const stored = id === '' ? undefined : await store.item(scope, id);
    if (!stored) throw notFound('Item', id);
    const replay = replayable(stored);
    if (replay) resolved.push(replay);
  }
  return resolved;
}

/** Input items as stored and listed: each with an id, as OpenAI lists them. */
function withIds(items: Item[]): Item[] {
  return items.map((item) => {
    if (typeof item.id === 'string') return item;
    const prefix =
      item.type === 'function_call_output' ? 'fco' : item.type === 'function_call' ? 'fc' : 'msg';
    const typed = item.type === undefined ? { type: 'message', ...item } : item;
    return { id: `${prefix}_${openai.hex()}`, ...typed };
  });
}

export async function runResponses(
  deps: ResponsesDeps,
  ctx: RequestContext,
  body: unknown,
  out: Responder,
): Promise<void> {
  const parsed = openai.parseResponsesBody(body);
  const scope = scopeOf(ctx);
  const previousId = parsed.previous_response_id ?? null;
  const history: Item[] = [];
  if (previousId !== null) {
    const items = await deps.responses.conversation(scope, previousId);
    if (!items) throw notFound('Previous response', previousId);
    for (const item of items) {
      const replay = replayable(item);
      if (replay) history.push(replay);
    }
  }
  const given = openai.inputItems(parsed.input) as Item[];
  const input = await resolveReferences(deps.responses, scope, given);
  refuseUnservable(deps, ctx, parsed);
  const expanded: Record<string, unknown> = { ...(body as Item) };
  // The caller's input stays as it came unless there is a history or a reference to put in it.
  if (history.length > 0 || given.some((item) => item.type === 'item_reference'))
    expanded.input = [...history, ...input];
  delete expanded.previous_response_id;

  const store = parsed.store !== false && deps.pipeline.bodyLogging(ctx) !== 'off';
  const context = openai.newResponseContext(body as Item, previousId, store);
  const keep = (response: Item) => {
    if (!store) return;
    // A passed-through answer says what the upstream did (store: false); the copy says what the gateway did.
    const copy = { ...response, store: true, previous_response_id: previousId };
    deps.responses.save(
      scope,
      {
        id: context.id,
        keyId: ctx.principal?.keyId ?? null,
        model: typeof response.model === 'string' ? response.model : parsed.model,
        previousResponseId: previousId,
        response: redactJson(copy) as Item,
        input: redactJson(withIds(input)) as Item[],
        output: redactJson(Array.isArray(response.output) ? response.output : []) as Item[],
      },
      (err) => console.error(`[gatehouse] ${ctx.requestId} storing response ${context.id} failed:`, err),
    );
  };
  const surface: ChatSurface = {
    name: 'openai',
    decodeChat: openai.decodeResponsesRequest,
    encodeChat(result: ChatResult, req) {
      const encoded = openai.encodeResponsesResponse(result, req, context);
      keep(encoded);
      return encoded;
    },
    streamEncoder: (req) => new openai.ResponsesStreamEncoder(req, context, keep),
    errorBody: openai.errorBody,
  };
  await answerChat(deps.pipeline, ctx, surface, expanded, out);
}

/**
 * Built-in tools and the items they produce have no form in other dialects: a model with any
 * target that is not an OpenAI Responses upstream is refused rather than served without them.
 */
function refuseUnservable(deps: ResponsesDeps, ctx: RequestContext, parsed: openai.ResponsesBody): void {
  const features = openai.nativeOnlyFeatures(parsed);
  if (features.length === 0) return;
  // The pipeline's own check, first, so that a refusal here never tells a caller about a model it may not use.
  if (ctx.principal) authorizeModel(ctx.principal, parsed.model);
  const other = deps.targets.resolve(parsed.model).find((t) => t.provider.dialect !== 'openai-responses');
  if (other)
    throw new GatehouseError(
      'GH_UNSUPPORTED_BY_PROVIDER',
      `${features.join(', ')}: served only by OpenAI Responses targets (provider type openai with api: responses), and model "${parsed.model}" routes to ${other.providerName}. Use function tools, or a model whose targets all speak the Responses API.`,
      { param: features[0]!.split(/[:[]/, 1)[0]! },
    );
}

/** GET and DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items. */
export async function handleStoredResponse(
  deps: ResponsesDeps,
  ctx: RequestContext,
  req: IncomingMessage,
  out: Responder,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const [id, sub, ...rest] = url.pathname.slice('/v1/responses/'.length).split('/').map(pathSegment);
  const method = req.method ?? 'GET';
  const allowed = sub === undefined ? 'GET, DELETE' : 'GET';
  if (!id || rest.length > 0 || (sub !== undefined && sub !== 'input_items'))
    throw new GatehouseError('GH_ROUTE_NOT_FOUND', `No route for ${method} ${url.pathname.slice(0, 200)}.`);
  if (!allowed.split(', ').includes(method)) {
    out.setHeader('allow', allowed);
    throw new GatehouseError(
      'GH_METHOD_NOT_ALLOWED',
      `${method} is not allowed on ${url.pathname.slice(0, 200)}; use ${allowed}.`,
    );
  }
  const scope = scopeOf(ctx);
  if (sub === 'input_items') {
    const page = await deps.responses.inputItems(scope, id, listParams(url.searchParams));
    if (!page) throw notFound('Response', id);
    out.json(200, {
      object: 'list',
      data: page.items,
      first_id: page.items[0]?.id ?? null,
      last_id: page.items.at(-1)?.id ?? null,
      has_more: page.hasMore,
    });
    return;
  }
  if (method === 'DELETE') {
    if (!(await deps.responses.delete(scope, id))) throw notFound('Response', id);
    out.json(200, { id, object: 'response', deleted: true });
    return;
  }
  const response = await deps.responses.get(scope, id);
  if (!response) throw notFound('Response', id);
  out.json(200, response);
}

function pathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GatehouseError('GH_INVALID_REQUEST', 'The path holds a malformed percent-encoding.');
  }
}

function listParams(params: URLSearchParams): { after?: string; limit: number; order: 'asc' | 'desc' } {
  const limit = params.get('limit') === null ? 20 : Number(params.get('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new GatehouseError('GH_INVALID_REQUEST', 'limit: expected an integer from 1 to 100', {
      param: 'limit',
    });
  const order = params.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw new GatehouseError('GH_INVALID_REQUEST', "order: expected 'asc' or 'desc'", { param: 'order' });
  const after = params.get('after');
  return after === null ? { limit, order } : { after, limit, order };
}
