// /admin/config: the configuration this gateway serves (secrets masked), its stored versions with
// their diffs, and — when the database is the source of truth — changes and rollbacks. With the
// file as the source, a change through the API is a 409 that says so (docs/config-reload.md).
import { stringify } from 'yaml';
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import type { ConfigVersionsTable } from '../../store/schema.ts';
import { decodeCursor, encodeCursor, listOf, paging } from '../contract.ts';
import { defineRoute } from '../route.ts';

const timestamp = z.iso.datetime({ offset: true });
const source = z.enum(['startup', 'file', 'api', 'rollback']);

const versionSummary = z.object({
  id: z.number().int(),
  hash: z.string().describe('First 12 hex digits of the SHA-256 of the text'),
  source,
  actor: z.string(),
  created_at: timestamp,
});

const numbers = z.object({
  version: z.string(),
  requests: z.number().int(),
  errors: z.number().int(),
  error_rate: z.number(),
  p95_ms: z.number().nullable(),
  mean_cost_usd: z.number(),
});

const configStatus = z.object({
  version: versionSummary,
  source_of_truth: z.enum(['file', 'database']),
  file: z.string().nullable(),
  text: z.string().describe('The text of the serving version, secret values masked'),
  restart_required: z
    .array(z.string())
    .describe('Settings this version changed that take effect only after a restart'),
  canary: z
    .object({
      version: versionSummary,
      percent: z.number(),
      sticky_by: z.enum(['request', 'key']),
      started_at: timestamp,
      window_s: z.number(),
      stable: numbers,
      candidate: numbers,
    })
    .nullable()
    .describe('A version on trial (reload.canary), with both versions measured so far'),
  last_error: z
    .object({ at: timestamp, source: z.string(), problems: z.array(z.string()) })
    .nullable()
    .describe('Why the last new version was refused (the same messages as gatehouse config check)'),
});

const versionView = z.object({
  ...versionSummary.shape,
  status: z.enum(['applied', 'refused', 'canary', 'rolled_back']),
  note: z.string().nullable().describe('Why it was refused or rolled back'),
  diff: z
    .string()
    .describe('Line diff from the version applied before it (secrets masked): "- " removed, "+ " added'),
  text_stored: z.boolean().describe('Its text is stored, so it can be rolled back to (database source)'),
});

const changeView = z.object({
  outcome: z.enum(['applied', 'canary', 'unchanged', 'refused']),
  version: z.string(),
  restart_required: z.array(z.string()).optional(),
});

const configInput = z
  .strictObject({
    text: z.string().min(1).max(1_000_000).optional().describe('gatehouse.yaml as text (YAML or JSON)'),
    config: z.record(z.string(), z.unknown()).optional().describe('The configuration as a JSON object'),
  })
  .refine((body) => (body.text === undefined) !== (body.config === undefined), {
    message: 'give the configuration as text or as config, one of the two',
  });

function view(row: ConfigVersionsTable) {
  return {
    id: row.id,
    hash: row.hash,
    source: row.source,
    actor: row.actor,
    created_at: new Date(row.created_at).toISOString(),
    status: row.status,
    note: row.note,
    diff: row.diff,
    text_stored: row.text !== null,
  };
}

function versionId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1)
    throw new GatehouseError('GH_NOT_FOUND', `No configuration version ${text.slice(0, 100)}.`);
  return id;
}

const idCursor = z.object({ id: z.number().int() });

export const configRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/config',
    summary: 'The configuration this gateway serves, secrets masked; a version on trial; the last refusal',
    response: configStatus,
    handle: async ({ deps }) => configStatus.parse(deps.config.status()),
  }),
  defineRoute({
    method: 'PUT',
    path: '/admin/config',
    summary:
      'Replace the configuration (database source only; 409 when the file is the source): validated like gatehouse config check, audited, applied by every replica within seconds',
    body: configInput,
    response: changeView,
    handle: async ({ deps, actor, body }) => deps.config.put(body.text ?? stringify(body.config), actor),
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/config/versions',
    summary: 'Configuration versions, newest first: hash, time, source, status and diff from the one before',
    query: z.strictObject(paging),
    response: listOf(versionView),
    handle: async ({ deps, query }) => {
      const before = decodeCursor(query.cursor, idCursor)?.id;
      const rows = await deps.versions.list({
        limit: query.limit + 1,
        ...(before === undefined ? {} : { before }),
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        data: page.map(view),
        next_cursor: rows.length > query.limit && last ? encodeCursor({ id: last.id }) : null,
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/config/versions/{id}',
    summary: 'One configuration version, with its text (secrets masked)',
    response: z.object({ ...versionView.shape, text: z.string() }),
    handle: async ({ deps, params }) => {
      const row = await deps.versions.get(versionId(params.id));
      return { ...view(row), text: row.masked };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/config/versions/{id}/rollback',
    summary:
      "Serve an earlier version's text again, stored as the newest version (database source only; 409 when the file is the source)",
    response: changeView,
    handle: async ({ deps, actor, params }) => deps.config.rollback(versionId(params.id), actor),
  }),
];
