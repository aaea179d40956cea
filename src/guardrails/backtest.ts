// Replays a draft guardrail policy over stored request bodies: what it would have blocked, redacted
// or flagged, per team, and what it costs per request — so a policy is judged on real traffic before
// it goes live. Only bodies the body-logging policy kept (`full`) can be replayed. Those were
// redacted before they were stored, so the log's own markers ([REDACTED:EMAIL]…) count as what a
// pii or secrets guardrail would have found there. External checks are not replayed (they would
// call out once per stored request); json_schema is, where the request asked for a schema.
import type { GuardrailConfig } from '../config/guardrails.ts';
import type { Detector, Finding } from '../core/detect/index.ts';
import type { GuardrailPhase, RequestRecord } from '../core/records/index.ts';
import { buildCheck, type Check } from './checks.ts';
import { judgeText, scanText } from './scan.ts';
import { Verdicts } from './verdicts.ts';

export interface StoredEvent {
  team_id: string | null;
  request_body: string | null;
  response_body: string | null;
}

export interface TeamReport {
  team_id: string | null;
  requests: number;
  blocked: number;
  redacted: number;
  warned: number;
  passed: number;
  by_guardrail: Array<{
    guardrail: string;
    blocked: number;
    redacted: number;
    warned: number;
    entities: Record<string, number>;
  }>;
  check_ms_mean: number;
  check_ms_p95: number;
  us_per_kb: number;
}

export interface BacktestReport {
  events_scanned: number;
  events_without_body: number;
  skipped: Array<{ guardrail: string; reason: string }>;
  teams: TeamReport[];
}

const marker = /\[REDACTED:([A-Z_]+)\]/g;
const markerEntities: Record<string, string[]> = {
  EMAIL: ['email'],
  PHONE: ['phone'],
  CARD: ['card'],
  IBAN: ['iban'],
  NATIONAL_ID: ['ssn', 'uk_nino', 'es_dni', 'fr_nir'],
};

/** The detector, also finding the request log's redaction markers for what it looks for. */
function withMarkers(detector: Detector, config: GuardrailConfig): Detector {
  if (config.type !== 'pii' && config.type !== 'secrets') return detector;
  const wanted = config.entities ? new Set(config.entities) : undefined;
  return {
    type: detector.type,
    maxMatchLength: detector.maxMatchLength,
    scan(text) {
      const found: Finding[] = detector.scan(text);
      for (const m of text.matchAll(marker)) {
        const kind = m[1]!;
        const entity =
          config.type === 'secrets'
            ? kind === 'SECRET'
              ? 'secret'
              : undefined
            : markerEntities[kind]?.some((e) => !wanted || wanted.has(e))
              ? kind.toLowerCase()
              : undefined;
        if (entity) found.push({ entity, start: m.index, end: m.index + m[0].length });
      }
      return found;
    },
  };
}

type Texts = Array<{ phase: GuardrailPhase; text: string }>;

/** Every text of a stored OpenAI- or Anthropic-shaped request, with its phase. */
function requestTexts(body: unknown): { texts: Texts; schema?: Record<string, unknown> } | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (b.truncated === true && typeof b.head === 'string')
    return { texts: [{ phase: 'input', text: b.head }] };
  if (!Array.isArray(b.messages)) return undefined;
  const texts: Texts = [];
  const add = (phase: GuardrailPhase, value: unknown) => {
    if (typeof value === 'string') texts.push({ phase, text: value });
    else if (Array.isArray(value))
      for (const part of value as Array<Record<string, unknown>>) {
        if (!part || typeof part !== 'object') continue;
        if (part.type === 'tool_result') add('tool_results', part.content);
        else if (typeof part.text === 'string') texts.push({ phase, text: part.text });
      }
  };
  add('input', b.system);
  for (const message of b.messages as Array<Record<string, unknown>>)
    add(message?.role === 'tool' ? 'tool_results' : 'input', message?.content);
  const format = b.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  const schema = format?.type === 'json_schema' ? format.json_schema?.schema : undefined;
  return schema && typeof schema === 'object'
    ? { texts, schema: schema as Record<string, unknown> }
    : { texts };
}

function answerTexts(body: unknown): Texts {
  const content = (body as { content?: unknown } | null)?.content;
  if (!Array.isArray(content)) return [];
  return content.flatMap(
    (p: Record<string, unknown>): Texts =>
      p?.type === 'text' && typeof p.text === 'string'
        ? [{ phase: 'output', text: p.text }]
        : p?.type === 'tool_call' && typeof p.arguments === 'string'
          ? [{ phase: 'tool_args', text: p.arguments }]
          : [],
  );
}

const parse = (text: string | null): unknown => {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export class Backtest {
  readonly #checks: Check[] = [];
  readonly skipped: BacktestReport['skipped'] = [];
  readonly #teams = new Map<string | null, { report: TeamReport; ms: number[]; bytes: number }>();
  #scanned = 0;
  #withoutBody = 0;

  /** `names`: the draft's guardrails to apply, in order (all of them when empty). */
  constructor(guardrails: Record<string, GuardrailConfig>, names: readonly string[]) {
    const noCalls = {
      chat: () => Promise.reject(new Error('not replayed')),
      embeddings: () => Promise.reject(new Error('not replayed')),
    };
    for (const name of names.length > 0 ? names : Object.keys(guardrails)) {
      const config = guardrails[name]!;
      if (config.type === 'external') {
        this.skipped.push({ guardrail: name, reason: 'external checks are not replayed' });
        continue;
      }
      const check = buildCheck(name, config, { calls: noCalls });
      // The draft is judged as if enforced: shadow is what it is being tried in.
      this.#checks.push({
        ...check,
        shadow: false,
        ...(check.detector ? { detector: withMarkers(check.detector, config) } : {}),
      });
    }
  }

  async add(event: StoredEvent): Promise<void> {
    const request = requestTexts(parse(event.request_body));
    if (!request) {
      this.#withoutBody++;
      return;
    }
    this.#scanned++;
    const texts = [...request.texts, ...answerTexts(parse(event.response_body))];
    const record = { guardrails: [] } as unknown as RequestRecord;
    const started = performance.now();
    const verdicts = new Verdicts(record, started);
    let bytes = 0;
    try {
      for (const { phase, text } of texts) {
        bytes += text.length;
        scanText(this.#checks, phase, text, verdicts);
      }
      const output = texts.filter((t) => t.phase === 'output').map((t) => t.text);
      if (request.schema && output.length > 0)
        await judgeText(this.#checks, 'output', output.join(''), verdicts, {
          principal: undefined,
          requestSchema: request.schema,
        });
    } catch {
      // A block stops the request there, as it would have live.
    }
    const ms = performance.now() - started;
    this.#tally(event.team_id, record.guardrails ?? [], ms, bytes);
  }

  #tally(team: string | null, verdicts: NonNullable<RequestRecord['guardrails']>, ms: number, bytes: number) {
    let entry = this.#teams.get(team);
    if (!entry) {
      entry = {
        report: {
          team_id: team,
          requests: 0,
          blocked: 0,
          redacted: 0,
          warned: 0,
          passed: 0,
          by_guardrail: [],
          check_ms_mean: 0,
          check_ms_p95: 0,
          us_per_kb: 0,
        },
        ms: [],
        bytes: 0,
      };
      this.#teams.set(team, entry);
    }
    const r = entry.report;
    r.requests++;
    entry.ms.push(ms);
    entry.bytes += bytes;
    const actions = new Set(verdicts.map((v) => v.action));
    if (actions.has('blocked')) r.blocked++;
    else if (actions.has('redacted')) r.redacted++;
    else if (actions.has('warned')) r.warned++;
    else r.passed++;
    // Counted once per request and guardrail, whichever phases it found something in.
    const perGuardrail = new Map<
      string,
      { action: 'blocked' | 'redacted' | 'warned'; entities: Set<string> }
    >();
    for (const v of verdicts) {
      if (v.action === 'passed' || v.action === 'error') continue;
      const seen = perGuardrail.get(v.guardrail);
      const action = seen && rank[seen.action] >= rank[v.action] ? seen.action : v.action;
      perGuardrail.set(v.guardrail, {
        action,
        entities: new Set([...(seen?.entities ?? []), ...v.entities]),
      });
    }
    for (const [guardrail, { action, entities }] of perGuardrail) {
      let g = r.by_guardrail.find((x) => x.guardrail === guardrail);
      if (!g) {
        g = { guardrail, blocked: 0, redacted: 0, warned: 0, entities: {} };
        r.by_guardrail.push(g);
      }
      g[action]++;
      for (const e of entities) g.entities[e] = (g.entities[e] ?? 0) + 1;
    }
  }

  report(): BacktestReport {
    const teams = [...this.#teams.values()].map(({ report, ms, bytes }) => {
      const sorted = [...ms].sort((a, b) => a - b);
      const total = ms.reduce((a, b) => a + b, 0);
      return {
        ...report,
        check_ms_mean: round(total / Math.max(1, ms.length)),
        check_ms_p95: round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0),
        us_per_kb: round(bytes > 0 ? (total * 1000) / (bytes / 1024) : 0),
      };
    });
    return {
      events_scanned: this.#scanned,
      events_without_body: this.#withoutBody,
      skipped: this.skipped,
      teams,
    };
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const rank = { warned: 0, redacted: 1, blocked: 2 } as const;
