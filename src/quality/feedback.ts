// Caller feedback on answers (`POST /v1/feedback`): checked here, stored as scores beside the
// evaluators'. A key may rate only its own team's requests; any other request is "not found", so
// that request ids of other teams cannot even be probed.
import type { Kysely } from 'kysely';
import { GatehouseError } from '../core/errors/index.ts';
import type { Schema } from '../store/index.ts';
import { recordScore, type ScoreInput, type ScoresStored } from './scores.ts';

export const feedbackLimits = { items: 100, nameChars: 64, commentChars: 2000, tags: 20, tagChars: 128 };

export interface FeedbackItem {
  request_id: string;
  name: string;
  value: number | boolean;
  comment?: string;
  tags?: Record<string, string>;
}

const invalid = (message: string, param: string) =>
  new GatehouseError('GH_INVALID_REQUEST', message, { param });

/** The items of a body (one item, or `{ items: [...] }`), checked; throws with the bad field's path. */
export function parseFeedback(body: Record<string, unknown>): FeedbackItem[] {
  const batch = 'items' in body;
  if (batch && !Array.isArray(body.items))
    throw invalid('items: must be an array of feedback items', 'items');
  const raw = batch ? (body.items as unknown[]) : [body];
  if (raw.length === 0) throw invalid('items: must hold at least one item', 'items');
  if (raw.length > feedbackLimits.items)
    throw invalid(`items: at most ${feedbackLimits.items} per call (got ${raw.length})`, 'items');
  return raw.map((item, i) => parseItem(item, batch ? `items[${i}].` : ''));
}

function parseItem(item: unknown, at: string): FeedbackItem {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    throw invalid(`${at || 'body'}: must be an object`, at.slice(0, -1) || 'body');
  const o = item as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!['request_id', 'name', 'value', 'comment', 'tags'].includes(key))
      throw invalid(`${at}${key}: unknown field`, `${at}${key}`);
  if (typeof o.request_id !== 'string' || o.request_id === '' || o.request_id.length > 128)
    throw invalid(`${at}request_id: required, a request's x-request-id`, `${at}request_id`);
  if (typeof o.name !== 'string' || !/^[\w.:-]+$/.test(o.name) || o.name.length > feedbackLimits.nameChars)
    throw invalid(`${at}name: required, letters, digits and _ . : - (at most 64)`, `${at}name`);
  if (typeof o.value !== 'boolean' && (typeof o.value !== 'number' || !Number.isFinite(o.value)))
    throw invalid(`${at}value: required, a number or a boolean`, `${at}value`);
  if (
    o.comment !== undefined &&
    (typeof o.comment !== 'string' || o.comment.length > feedbackLimits.commentChars)
  )
    throw invalid(
      `${at}comment: a string of at most ${feedbackLimits.commentChars} characters`,
      `${at}comment`,
    );
  if (o.tags !== undefined) {
    const tags = o.tags;
    if (
      typeof tags !== 'object' ||
      tags === null ||
      Array.isArray(tags) ||
      Object.keys(tags).length > feedbackLimits.tags ||
      Object.entries(tags).some(
        ([k, v]) =>
          typeof v !== 'string' || k.length > feedbackLimits.tagChars || v.length > feedbackLimits.tagChars,
      )
    )
      throw invalid(`${at}tags: an object of at most 20 string values`, `${at}tags`);
  }
  return o as unknown as FeedbackItem;
}

interface EventLookup {
  db: Kysely<Schema>;
  /** Writes events still queued, for feedback that arrives right after its answer. */
  flush(): Promise<void>;
}

/**
 * Stores the items as scores of the caller's team's requests. Every request must be found first: a
 * batch is all or nothing. `stored` (the cache's quality gate) hears of them once stored: only
 * requests of the caller's team ever reach it, so a team cannot evict another's answers.
 */
export async function recordFeedback(
  events: EventLookup,
  scores: Kysely<Schema>,
  caller: { teamId?: string; keyId?: string },
  items: FeedbackItem[],
  stored?: ScoresStored,
): Promise<string[]> {
  const ids = [...new Set(items.map((i) => i.request_id))];
  let found = await lookUp(events.db, ids, caller.teamId);
  if (found.size < ids.length) {
    await events.flush();
    found = await lookUp(events.db, ids, caller.teamId);
  }
  const inputs: ScoreInput[] = items.map((item, i) => {
    const event = found.get(item.request_id);
    if (!event)
      throw new GatehouseError(
        'GH_NOT_FOUND',
        `${items.length > 1 ? `items[${i}].` : ''}request_id: no request "${item.request_id.slice(0, 128)}" of your team`,
        { param: 'request_id' },
      );
    return {
      ...event,
      keyId: caller.keyId ?? null,
      source: 'feedback',
      name: item.name,
      value: item.value,
      comment: item.comment ?? null,
      tags: item.tags ?? {},
    };
  });
  return recordScore(scores, inputs, stored);
}

async function lookUp(db: Kysely<Schema>, ids: string[], teamId: string | undefined) {
  let q = db
    .selectFrom('request_events')
    .select([
      'id',
      'request_id',
      'team_id',
      'model',
      'provider',
      'provider_model',
      'received_at',
      'experiment',
      'variant',
    ])
    .where('request_id', 'in', ids)
    .where('surface', '!=', 'internal');
  // The master key (no team) may rate any request; a key only its team's.
  q = teamId === undefined ? q : q.where('team_id', '=', teamId);
  const rows = await q.orderBy('received_at').execute();
  // A reused x-request-id: the latest request is the one rated.
  const found = new Map<string, Omit<ScoreInput, 'source' | 'name' | 'value'>>();
  for (const r of rows)
    found.set(r.request_id, {
      requestId: r.request_id,
      eventId: r.id,
      teamId: r.team_id,
      model: r.model,
      provider: r.provider,
      target: r.provider && r.provider_model ? `${r.provider}/${r.provider_model}` : null,
      experiment: r.experiment,
      variant: r.variant,
    });
  return found;
}
