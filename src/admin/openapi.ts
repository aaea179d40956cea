// The admin API described as OpenAPI 3.1, served at /admin/openapi.json. Request schemas are
// generated from the same zod schemas that validate the requests.
import { z } from 'zod';
import {
  keyInput,
  keyUpdate,
  rotateInput,
  rulesInput,
  secretInput,
  teamInput,
  teamUpdate,
  userInput,
  userUpdate,
} from './schemas.ts';

const json = (schema: z.ZodType) => ({
  content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input' }) } },
});
const ok = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const errors = {
  '400': { description: 'Invalid input; `error.param` names the field' },
  '401': { description: 'Missing or invalid key' },
  '403': { description: 'Not the master key' },
};
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];

export const openapiDocument = {
  openapi: '3.1.0',
  info: { title: 'Gatehouse admin API', version: '1' },
  components: { securitySchemes: { master: { type: 'http', scheme: 'bearer' } } },
  security: [{ master: [] }],
  paths: {
    '/admin/teams': {
      get: { summary: 'List teams', responses: { '200': ok('Teams'), ...errors } },
      post: {
        summary: 'Create a team',
        requestBody: json(teamInput),
        responses: { '201': ok('The team'), ...errors },
      },
    },
    '/admin/teams/{id}': {
      get: {
        summary: 'Get a team by id or name',
        parameters: idParam,
        responses: { '200': ok('The team'), ...errors },
      },
      patch: {
        summary: 'Change the model rule or metadata',
        parameters: idParam,
        requestBody: json(teamUpdate),
        responses: { '200': ok('The team'), ...errors },
      },
    },
    '/admin/users': {
      get: { summary: 'List users', responses: { '200': ok('Users'), ...errors } },
      post: {
        summary: 'Create a user (optionally a member of teams)',
        requestBody: json(userInput),
        responses: { '201': ok('The user'), ...errors },
      },
    },
    '/admin/users/{id}': {
      get: {
        summary: 'Get a user by id or name',
        parameters: idParam,
        responses: { '200': ok('The user'), ...errors },
      },
      patch: {
        summary: 'Change the email, model rule or metadata',
        parameters: idParam,
        requestBody: json(userUpdate),
        responses: { '200': ok('The user'), ...errors },
      },
    },
    '/admin/keys': {
      get: {
        summary: 'List keys (never their secrets)',
        parameters: [{ name: 'team', in: 'query', schema: { type: 'string' } }],
        responses: { '200': ok('Keys'), ...errors },
      },
      post: {
        summary: 'Create a key; the response holds the key, shown only this once',
        requestBody: json(keyInput),
        responses: { '201': ok('The key'), ...errors },
      },
    },
    '/admin/keys/{id}': {
      get: { summary: 'Get a key', parameters: idParam, responses: { '200': ok('The key'), ...errors } },
      patch: {
        summary: 'Change the name, model rule, metadata or expiry (null removes it)',
        parameters: idParam,
        requestBody: json(keyUpdate),
        responses: { '200': ok('The key'), ...errors },
      },
    },
    '/admin/keys/{id}/revoke': {
      post: {
        summary: 'Revoke a key at once',
        parameters: idParam,
        responses: { '200': ok('The key'), ...errors },
      },
    },
    '/admin/keys/{id}/rotate': {
      post: {
        summary: 'Issue a new secret; the old one works for overlap_seconds more',
        parameters: idParam,
        requestBody: json(rotateInput),
        responses: { '200': ok('The key with its new secret'), ...errors },
      },
    },
    '/admin/{collection}/{id}/rules': {
      parameters: [
        { name: 'collection', in: 'path', required: true, schema: { enum: ['keys', 'teams', 'users'] } },
        ...idParam,
      ],
      get: {
        summary: 'The budget and rate limits of a key, team or user',
        responses: { '200': ok('Rules'), ...errors },
      },
      put: {
        summary: 'Replace the budget and/or limits (null removes them)',
        requestBody: json(rulesInput),
        responses: { '200': ok('Rules'), ...errors },
      },
    },
    '/admin/{collection}/{id}/spend': {
      parameters: [
        { name: 'collection', in: 'path', required: true, schema: { enum: ['keys', 'teams', 'users'] } },
        ...idParam,
      ],
      get: {
        summary: 'Settled spend and remaining budget in the current period',
        responses: { '200': ok('Spend'), ...errors },
      },
    },
    '/admin/secrets': {
      get: {
        summary: 'Stored provider secrets: names and dates, never values',
        responses: { '200': ok('Secrets'), ...errors },
      },
    },
    '/admin/secrets/{name}': {
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      put: {
        summary:
          'Store or replace a secret (sealed with AES-256-GCM); providers using it are rebuilt at once',
        requestBody: json(secretInput),
        responses: { '200': ok('Name and dates'), ...errors },
      },
      delete: { summary: 'Delete a secret', responses: { '200': ok('Deleted'), ...errors } },
    },
    '/admin/logs': {
      get: {
        summary: 'The request log, newest first; next_cursor continues',
        parameters: [
          'since',
          'until',
          'key',
          'team',
          'user',
          'model',
          'provider',
          'status',
          'tag',
          'min_cost',
          'request_id',
          'trace_id',
          'cursor',
          'limit',
          'region',
        ].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        responses: { '200': ok('Events'), ...errors },
      },
    },
    '/admin/usage': {
      get: {
        summary:
          'Spend, tokens and requests from hourly rollups: bucket=hour|day|none, by=team,key,user,model,provider or tag:<name>',
        parameters: [
          'since',
          'until',
          'bucket',
          'by',
          'team',
          'key',
          'user',
          'model',
          'provider',
          'region',
        ].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        responses: { '200': ok('Usage rows and totals'), ...errors },
      },
    },
    '/admin/audit': {
      get: {
        summary: 'Audit entries in order',
        parameters: [
          { name: 'after', in: 'query', schema: { type: 'integer' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 1000 } },
        ],
        responses: { '200': ok('Entries'), ...errors },
      },
    },
    '/admin/audit/verify': {
      get: {
        summary: 'Check the hash chain; names the first altered or missing entry',
        responses: { '200': ok('Result'), ...errors },
      },
    },
  },
};
