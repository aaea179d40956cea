// /admin/alerts: the alert rules this gateway evaluates with their current state, the history of
// the alerts it sent (alert_events), and a test alert through the configured channel. Alerts are
// operator data (providers' health, the whole gateway's spend): admins only.
import { z } from 'zod';
import { GatehouseError } from '../../core/errors/index.ts';
import { auditAction } from '../../governance/index.ts';
import { listAlertEvents } from '../../telemetry/index.ts';
import { decodeCursor, encodeCursor, listOf, paging } from '../contract.ts';
import type { AlertsAdmin } from '../deps.ts';
import { defineRoute } from '../route.ts';
import { parseTime } from '../usage.ts';

const timestamp = z.iso.datetime({ offset: true });
const kinds = ['provider_error_rate', 'provider_p95_latency', 'spend_anomaly', 'drift', 'test'] as const;
const ruleKinds = kinds.filter((k) => k !== 'test');

const firingAlert = z.object({
  subject: z.string().nullable().describe('The provider or drifting group; null for spend'),
  since: timestamp.describe('When it started firing'),
  text: z.string().describe('The message last sent'),
});

const rule = z.object({
  kind: z.enum(ruleKinds as [string, ...string[]]),
  enabled: z.boolean().describe('false when the rule is turned off, or no alert channel is configured'),
  settings: z.record(z.string(), z.unknown()).describe('The rule as configured (thresholds, windows)'),
  state: z.enum(['firing', 'ok', 'off']),
  since: timestamp
    .nullable()
    .describe('firing: since the earliest firing alert; ok: since the last resolution or the start'),
  firing: z.array(firingAlert),
});

const rulesAnswer = z.object({
  channel: z.string().nullable().describe("The webhook's host; null when alerting is off"),
  window_seconds: z.number().int(),
  evaluate_every_seconds: z.number().int(),
  cooldown_seconds: z.number().int(),
  data: z.array(rule),
});

const historyEvent = z.object({
  id: z.string(),
  kind: z.string(),
  subject: z.string().nullable(),
  status: z.enum(['firing', 'resolved', 'test']),
  at: timestamp,
  text: z.string().describe('The message as sent'),
  details: z.record(z.string(), z.unknown()).describe("The alert's fields: rates, thresholds, windows"),
});

const time = (description: string) => z.string().optional().describe(description);
const historyQuery = z.strictObject({
  kind: z.enum(kinds, { message: `expected one of ${kinds.join(', ')}` }).optional(),
  status: z.enum(['firing', 'resolved', 'test'], { message: 'expected firing, resolved or test' }).optional(),
  since: time('ISO 8601, epoch ms, or a span back from now such as 24h'),
  until: time('ISO 8601, epoch ms, or a span back from now'),
  ...paging,
});

const historyCursor = z.object({ at: z.number().int(), id: z.string() });
const iso = (ms: number) => new Date(ms).toISOString();

/** Each configured rule, joined with the live alerts' state. */
function rules(alerts: AlertsAdmin): z.input<typeof rulesAnswer> {
  const { settings } = alerts;
  const configured: Record<string, false | Record<string, unknown>> = {
    provider_error_rate: settings.provider_error_rate,
    provider_p95_latency: settings.provider_p95_ms,
    spend_anomaly: settings.spend_anomaly,
    drift: alerts.drift ? {} : false,
  };
  const live = alerts.live?.states();
  const data = ruleKinds.map((kind) => {
    const rule = configured[kind] ?? false;
    const enabled = rule !== false && alerts.channel !== null && live !== undefined;
    const mine = (live?.alerts ?? []).filter((a) => a.kind === kind);
    const firing = mine.filter((a) => a.firing).sort((a, b) => a.since - b.since);
    const resolved = mine.filter((a) => !a.firing).map((a) => a.since);
    const since = !enabled
      ? null
      : firing.length > 0
        ? firing[0]!.since
        : Math.max(live?.startedAt ?? 0, ...resolved);
    return {
      kind,
      enabled,
      settings: rule === false ? {} : rule,
      state: !enabled ? ('off' as const) : firing.length > 0 ? ('firing' as const) : ('ok' as const),
      since: since === null ? null : iso(since),
      firing: firing.map((a) => ({ subject: a.subject, since: iso(a.since), text: a.text })),
    };
  });
  return {
    channel: alerts.channel,
    window_seconds: settings.window_seconds,
    evaluate_every_seconds: settings.evaluate_every_seconds,
    cooldown_seconds: settings.cooldown_seconds,
    data,
  };
}

export const alertRoutes = [
  defineRoute({
    method: 'GET',
    path: '/admin/alerts',
    summary: 'The alert rules with their current state: firing (since when, for what) or ok',
    response: rulesAnswer,
    handle: async ({ deps }) => rules(deps.alerts),
  }),
  defineRoute({
    method: 'GET',
    path: '/admin/alerts/history',
    summary: 'Alerts sent (fired, resolved, tests), newest first; next_cursor continues',
    query: historyQuery,
    response: listOf(historyEvent),
    handle: async ({ deps, query }) => {
      const now = Date.now();
      const since = query.since === undefined ? undefined : parseTime(query.since, 'since', now);
      const until = query.until === undefined ? undefined : parseTime(query.until, 'until', now);
      if (since !== undefined && until !== undefined && until <= since)
        throw new GatehouseError('GH_INVALID_REQUEST', 'until: must be after since', { param: 'until' });
      const rows = await listAlertEvents(deps.db, {
        kind: query.kind,
        status: query.status,
        since,
        until,
        after: decodeCursor(query.cursor, historyCursor),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        data: page.map((r) => ({
          ...r,
          at: iso(r.at),
          details: JSON.parse(r.details) as Record<string, unknown>,
        })),
        next_cursor: rows.length > query.limit && last ? encodeCursor({ at: last.at, id: last.id }) : null,
      };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/admin/alerts/test',
    summary: 'Sends a test alert through the configured channel and keeps it in the history',
    status: 202,
    bodyOptional: true,
    body: z.strictObject({}),
    response: z.object({
      channel: z.string().describe("The webhook's host"),
      text: z.string(),
      at: timestamp,
    }),
    handle: async ({ deps, actor }) => {
      const live = deps.alerts.live;
      if (!live || deps.alerts.channel === null)
        throw new GatehouseError(
          'GH_CONFLICT',
          'no alert channel is configured: set alerts.webhook_url (or governance.webhook_url)',
        );
      const payload = await live.test(actor);
      await auditAction(deps.db, {
        actor,
        action: 'alert.test',
        targetType: 'alerts',
        targetId: deps.alerts.channel,
      });
      return { channel: deps.alerts.channel, text: payload.text, at: payload.alert.at };
    },
  }),
];
