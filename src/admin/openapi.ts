// The admin API as OpenAPI 3.1, served at /admin/openapi.json: built from the route definitions, so
// every path, query parameter, request body and answer is documented by the schema that checks it.
import { z } from 'zod';
import type { AdminRoute } from './route.ts';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string', examples: ['invalid_request_error', 'not_found_error'] },
        param: { type: ['string', 'null'], description: 'The field or query parameter at fault' },
        code: { type: 'string', examples: ['invalid_request', 'not_found', 'conflict'] },
      },
    },
  },
};
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

function operation(route: AdminRoute) {
  const parameters = [
    ...route.paramNames.map((name) => ({
      name,
      in: 'path',
      required: true,
      description: 'An id, or a name where the resource has one',
      schema: { type: 'string' },
    })),
    ...Object.entries(route.query.shape).map(([name, schema]) => {
      const json = jsonSchema(schema as z.ZodType, 'input');
      return {
        name,
        in: 'query',
        required: !(schema as z.ZodType).safeParse(undefined).success,
        ...(typeof json.description === 'string' ? { description: json.description } : {}),
        schema: json,
      };
    }),
  ];
  const bodiless = route.status === 204 || route.status === 302;
  const responses: Record<string, unknown> = {
    [String(route.status)]: bodiless
      ? {
          description: route.summary,
          ...(route.status === 302 ? { headers: { location: { schema: { type: 'string' } } } } : {}),
        }
      : {
          description: route.summary,
          content: { 'application/json': { schema: jsonSchema(route.response, 'output') } },
        },
    '400': error('Invalid input: `error.param` names the field or query parameter'),
    '401': error('Missing or invalid key, token or session'),
    '403': error(
      "The caller's role or teams do not allow the call (`permission`), or a cookie-authenticated change without x-csrf-token (`csrf_failed`)",
    ),
  };
  if (route.paramNames.length > 0) responses['404'] = error('No such resource (`not_found`)');
  if (route.method !== 'GET')
    responses['409'] = error('A name already taken, or dependants in the way (`conflict`)');
  const access = route.access;
  return {
    summary: route.summary,
    // Who may call: public, signed_in, or the lowest role (docs/sso.md has the table).
    'x-gatehouse-access': typeof access === 'string' ? access : access.role,
    ...(access === 'public' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: !route.bodyOptional,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function openapiDocument(routes: readonly AdminRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse admin API',
      version: '2',
      description: 'The contract (lists, paging, errors, names, timestamps, money) is in docs/admin-api.md.',
    },
    components: {
      securitySchemes: {
        master: {
          type: 'http',
          scheme: 'bearer',
          description: 'The master key, or a token of a configured OIDC issuer',
        },
        session: { type: 'apiKey', in: 'cookie', name: 'gh_session', description: 'A console session' },
      },
      schemas: { Error: errorSchema },
    },
    security: [{ master: [] }, { session: [] }],
    paths,
  };
}
