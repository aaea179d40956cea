// /admin/secrets: provider credentials, sealed at rest; no answer ever holds a value.
import { z } from 'zod';
import { secretSchema } from '../../governance/index.ts';
import { decodeCursor, encodeCursor, listOf, paging } from '../contract.ts';
import { defineRoute } from '../route.ts';
import { secretInput } from '../schemas.ts';

const nameCursor = z.object({ name: z.string() });

export const secretRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/secrets',
    summary: 'Stored provider secrets by name: names and dates, never values',
    query: z.strictObject(paging),
    response: listOf(secretSchema),
    handle: async ({ deps, query }) => {
      const after = decodeCursor(query.cursor, nameCursor)?.name;
      const rows = await deps.secrets.list({ limit: query.limit + 1, after });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        data: page,
        next_cursor: rows.length > query.limit && last ? encodeCursor({ name: last.name }) : null,
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/secrets/{name}',
    summary: "A stored secret's name and dates",
    response: secretSchema,
    handle: async ({ deps, params }) => deps.secrets.get(params.name),
  }),
  defineRoute({
    method: 'PUT',
    path: '/admin/secrets/{name}',
    summary: 'Store or replace a secret (sealed with AES-256-GCM); providers using it are rebuilt at once',
    body: secretInput,
    response: secretSchema,
    handle: async ({ deps, actor, params, body }) => {
      const info = await deps.secrets.put(actor, params.name, body.value);
      await deps.providers.refresh();
      return info;
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/admin/secrets/{name}',
    summary: 'Delete a secret; answers its last name and dates',
    response: secretSchema,
    handle: async ({ deps, actor, params }) => {
      const info = await deps.secrets.delete(actor, params.name);
      await deps.providers.refresh();
      return info;
    },
  }),
];
