// Webhook alerts on provider health (error rate, p95 latency over a sliding window) and on spend
// anomalies. Input is the RequestRecord every finished request publishes, so the request path does
// not change; the per-record work is a few array writes into fixed-size buckets, and all the
// summing happens on a timer, off the requests.
import type { GatehouseConfig } from '../config/schema.ts';
import type { Lifecycle, RequestEnded } from '../core/lifecycle/index.ts';
import type { RequestRecord } from '../core/records/index.ts';
import { usd } from '../governance/admission.ts';
import { postWebhook } from '../governance/notify.ts';

// Posting webhooks lives with the governance notifications (which telemetry may import, not the
// other way round); the name stays importable from here.
export { postWebhook } from '../governance/notify.ts';

export type Alert =
  | {
      kind: 'provider_error_rate';
      provider: string;
      /** Failed calls / calls in the window. */
      errorRate: number;
      errors: number;
      requests: number;
      threshold: number;
      windowSeconds: number;
    }
  | {
      kind: 'provider_p95_latency';
      provider: string;
      /** An estimate: the upper edge of its histogram bucket (buckets are 25% wide). */
      p95Ms: number;
      requests: number;
      thresholdMs: number;
      windowSeconds: number;
    }
  | {
      kind: 'spend_anomaly';
      lastHourUsd: number;
      baselineMeanUsd: number;
      baselineHours: number;
      factor: number;
    }
  | {
      /** Drift detection (src/drift): a group's recent traffic moved away from its baseline. */
      kind: 'drift';
      dimension: string;
      value: string;
      moved: string[];
    }
  | {
      /** Sent on request (POST /admin/alerts/test) to check that the channel works. */
      kind: 'test';
      actor: string;
    };

export type AlertStatus = 'firing' | 'resolved' | 'test';

/** One alert key's current state, as GET /admin/alerts shows it. */
export interface AlertState {
  key: string;
  kind: Alert['kind'];
  subject: string | null;
  firing: boolean;
  /** Epoch ms: when it started firing, or when it was resolved. */
  since: number;
  /** The message last sent for it. */
  text: string;
}

/** An alert as the history keeps it (telemetry/alert-history.ts). */
export interface AlertRecord {
  kind: Alert['kind'];
  subject: string | null;
  status: AlertStatus;
  at: number;
  text: string;
  details: string;
}

export interface AlertPayload {
  /** Slack-compatible. */
  text: string;
  alert: Alert & { status: AlertStatus; at: string };
}

export type SpendHistory = (hours: number) => Promise<number[]>;

export interface AlertsOptions {
  log: (line: string) => void;
  /** Where payloads go; posts to webhookUrl by default. */
  send?: (payload: AlertPayload) => void;
  webhookUrl?: string;
  now?: () => number;
  /**
   * USD per full hour, oldest first, the last element being the last 60 minutes. Hours before the
   * history begins are left out (not reported as 0), so a new deployment is not compared with an
   * empty past. In-memory spend of this process when not given.
   */
  spendHistory?: SpendHistory;
  /**
   * Keeps each alert sent in the history. Called after the message has gone out, off the request
   * path; a failure is logged and changes nothing else.
   */
  record?: (alert: AlertRecord) => Promise<unknown>;
}

type Settings = GatehouseConfig['alerts'];

/** Alerts from the configuration, or undefined when no webhook is configured. */
export function createAlerts(
  config: GatehouseConfig,
  log: (line: string) => void,
  spendHistory?: SpendHistory,
  record?: AlertsOptions['record'],
): Alerts | undefined {
  const webhookUrl = config.alerts.webhook_url ?? config.governance.webhook_url;
  return webhookUrl
    ? new Alerts(config.alerts, {
        webhookUrl,
        log,
        ...(spendHistory ? { spendHistory } : {}),
        ...(record ? { record } : {}),
      })
    : undefined;
}

const HOUR = 3_600_000;
/** Time slots per window: the window slides in steps of window/60. */
const SLOTS = 60;
/** Fewer baseline hours than this: no spend verdict. */
const MIN_BASELINE_HOURS = 3;

export class Alerts {
  readonly #settings: Settings;
  readonly #log: (line: string) => void;
  readonly #send: (payload: AlertPayload) => void;
  readonly #record: AlertsOptions['record'];
  readonly #now: () => number;
  readonly #spendHistory: SpendHistory;
  readonly #slotMs: number;
  readonly #latencyBounds: number[];
  readonly #providers = new Map<string, ProviderWindow>();
  readonly #spend: MinuteSpend;
  /**
   * Per alert key: when its last firing message went out, whether a resolved one is owed, since
   * when it fires (or was resolved), and the last message.
   */
  readonly #sent = new Map<
    string,
    { at: number; open: boolean; since: number; alert: Alert; text: string }
  >();
  readonly #startedAt: number;
  // A subscriber's throw would surface as an uncaught exception: alerts must never take the process down.
  readonly #onRecord = (event: RequestEnded) => {
    try {
      this.observe(event.record);
    } catch (err) {
      this.#log(`alerts: record skipped: ${(err as Error).message}`);
    }
  };
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #evaluating = false;

  constructor(settings: Settings, options: AlertsOptions) {
    this.#settings = settings;
    this.#log = options.log;
    const url = options.webhookUrl;
    this.#send = options.send ?? (url ? (payload) => void postWebhook(url, payload, this.#log) : () => {});
    this.#now = options.now ?? Date.now;
    this.#record = options.record;
    this.#startedAt = this.#now();
    this.#slotMs = (settings.window_seconds * 1000) / SLOTS;
    // The threshold is a bucket edge, so "p95 above the threshold" is decided exactly.
    const threshold = settings.provider_p95_ms ? settings.provider_p95_ms.threshold : undefined;
    this.#latencyBounds = latencyBounds(threshold);
    const baselineHours = settings.spend_anomaly ? settings.spend_anomaly.baseline_hours : 0;
    this.#spend = new MinuteSpend(baselineHours + 1, this.#now());
    this.#spendHistory =
      options.spendHistory ?? ((hours) => Promise.resolve(this.#spend.hours(hours, this.#now())));
  }

  /** Observes the requests the lifecycle's gateway finishes, and evaluates on a timer. */
  start(lifecycle: Lifecycle): void {
    if (this.#timer) return;
    this.#unsubscribe = lifecycle.subscribe({ requestEnded: this.#onRecord });
    this.#timer = setInterval(() => void this.evaluate(), this.#settings.evaluate_every_seconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Runs for every finished request: constant work, no allocation once a provider is known. */
  observe(record: RequestRecord): void {
    if (record.surface === 'gateway') return;
    const now = this.#now();
    if (typeof record.costUsd === 'number' && record.costUsd > 0) this.#spend.add(record.costUsd, now);
    const slot = Math.floor(now / this.#slotMs);
    for (const attempt of record.attempts) {
      let window = this.#providers.get(attempt.provider);
      if (!window) {
        window = new ProviderWindow(this.#latencyBounds.length + 1);
        this.#providers.set(attempt.provider, window);
      }
      const failed =
        attempt.status >= 500 || attempt.status === 429 || !!attempt.errorCode?.startsWith('GH_UPSTREAM');
      window.add(slot, failed, bucketOf(this.#latencyBounds, attempt.latencyMs));
    }
  }

  /** Checks every alert once and sends what changed. Called by the timer; tests call it directly. */
  async evaluate(): Promise<void> {
    if (this.#evaluating) return; // a slow spend history must not pile evaluations up
    this.#evaluating = true;
    try {
      this.#evaluateProviders();
      await this.#evaluateSpend();
    } catch (err) {
      this.#log(`alerts: evaluation failed: ${(err as Error).message}`);
    } finally {
      this.#evaluating = false;
    }
  }

  #evaluateProviders(): void {
    const { provider_error_rate: errorRule, provider_p95_ms: latencyRule, window_seconds } = this.#settings;
    const slot = Math.floor(this.#now() / this.#slotMs);
    const histogram = new Uint32Array(this.#latencyBounds.length + 1);
    for (const [provider, window] of this.#providers) {
      const { calls, errors } = window.sum(slot, histogram);
      if (errorRule) {
        const errorRate = calls === 0 ? 0 : errors / calls;
        this.#settle(
          `error_rate:${provider}`,
          calls >= errorRule.min_requests && errorRate > errorRule.threshold,
          {
            kind: 'provider_error_rate',
            provider,
            errorRate,
            errors,
            requests: calls,
            threshold: errorRule.threshold,
            windowSeconds: window_seconds,
          },
        );
      }
      if (latencyRule) {
        const p95 = percentileBucket(histogram, calls, 0.95);
        const p95Ms = this.#latencyBounds[Math.min(p95, this.#latencyBounds.length - 1)] ?? 0;
        this.#settle(`p95:${provider}`, calls >= latencyRule.min_requests && p95Ms > latencyRule.threshold, {
          kind: 'provider_p95_latency',
          provider,
          p95Ms,
          requests: calls,
          thresholdMs: latencyRule.threshold,
          windowSeconds: window_seconds,
        });
      }
    }
  }

  async #evaluateSpend(): Promise<void> {
    const rule = this.#settings.spend_anomaly;
    if (!rule) return;
    const history = await this.#spendHistory(rule.baseline_hours + 1);
    const lastHourUsd = history.at(-1) ?? 0;
    const baseline = history.slice(-(rule.baseline_hours + 1), -1);
    const baselineMeanUsd = baseline.length ? baseline.reduce((a, b) => a + b, 0) / baseline.length : 0;
    // A quiet past (mean 0) only counts once it spans the whole baseline: otherwise the first busy
    // hour after a start would always look anomalous.
    const enoughHistory = baseline.length >= (baselineMeanUsd > 0 ? MIN_BASELINE_HOURS : rule.baseline_hours);
    const anomalous =
      enoughHistory && lastHourUsd >= rule.min_usd && lastHourUsd > rule.factor * baselineMeanUsd;
    this.#settle('spend', anomalous, {
      kind: 'spend_anomaly',
      lastHourUsd,
      baselineMeanUsd,
      baselineHours: baseline.length,
      factor: rule.factor,
    });
  }

  /** An alert decided elsewhere (drift detection), sent with the same cooldown and resolution. */
  raise(key: string, firing: boolean, alert: Alert): void {
    this.#settle(key, firing, alert);
  }

  /**
   * Firing: sent unless a firing message for the same key went out within the cooldown (an alert
   * still firing after it is sent again). Resolved: sent once when a sent alert's condition clears.
   */
  #settle(key: string, firing: boolean, alert: Alert): void {
    const now = this.#now();
    const sent = this.#sent.get(key);
    const status = firing ? 'firing' : 'resolved';
    const text = alertText(alert, status);
    if (firing) {
      if (sent && now - sent.at < this.#settings.cooldown_seconds * 1000) return;
      // A reminder (still firing after the cooldown) keeps the time it started firing.
      const since = sent?.open ? sent.since : now;
      this.#sent.set(key, { at: now, open: true, since, alert, text });
    } else {
      if (!sent?.open) return;
      Object.assign(sent, { open: false, since: now, alert, text });
    }
    void this.#deliver(alert, status, text, now);
  }

  /**
   * Sends a test alert through the channel and keeps it in the history; answers what was sent once
   * the history has it (or could not take it), so that a listing right after shows it.
   */
  async test(actor: string): Promise<AlertPayload> {
    const alert: Alert = { kind: 'test', actor };
    return this.#deliver(alert, 'test', alertText(alert, 'test'), this.#now());
  }

  /** When alerting started, and every alert key that has fired since, firing or resolved. */
  states(): { startedAt: number; alerts: AlertState[] } {
    const alerts = [...this.#sent].map(([key, s]) => ({
      key,
      kind: s.alert.kind,
      subject: subjectOf(s.alert),
      firing: s.open,
      since: s.since,
      text: s.text,
    }));
    return { startedAt: this.#startedAt, alerts };
  }

  async #deliver(alert: Alert, status: AlertStatus, text: string, now: number): Promise<AlertPayload> {
    const payload: AlertPayload = { text, alert: { ...alert, status, at: new Date(now).toISOString() } };
    this.#send(payload);
    // The history is written after the message has gone out: a store that fails or is slow must
    // neither stop nor delay the webhook.
    const record = this.#record;
    if (record) {
      const { kind, ...details } = alert;
      const entry = {
        kind,
        subject: subjectOf(alert),
        status,
        at: now,
        text,
        details: JSON.stringify(details),
      };
      await Promise.resolve()
        .then(() => record(entry))
        .catch((err: unknown) => this.#log(`alerts: history not written: ${(err as Error).message}`));
    }
    return payload;
  }
}

/** One provider's calls in time slots: a ring of SLOTS slots, each with counts and a latency histogram. */
class ProviderWindow {
  readonly #buckets: number;
  readonly #slotOf = new Float64Array(SLOTS).fill(-1);
  readonly #calls = new Uint32Array(SLOTS);
  readonly #errors = new Uint32Array(SLOTS);
  readonly #latency: Uint32Array;

  constructor(buckets: number) {
    this.#buckets = buckets;
    this.#latency = new Uint32Array(SLOTS * buckets);
  }

  add(slot: number, failed: boolean, bucket: number): void {
    const i = slot % SLOTS;
    if (this.#slotOf[i] !== slot) {
      this.#slotOf[i] = slot;
      this.#calls[i] = 0;
      this.#errors[i] = 0;
      this.#latency.fill(0, i * this.#buckets, (i + 1) * this.#buckets);
    }
    this.#calls[i]++;
    if (failed) this.#errors[i]++;
    this.#latency[i * this.#buckets + bucket]++;
  }

  /** Totals over the slots in the window ending at `slot`; the histogram is overwritten. */
  sum(slot: number, histogram: Uint32Array): { calls: number; errors: number } {
    histogram.fill(0);
    let calls = 0;
    let errors = 0;
    for (let i = 0; i < SLOTS; i++) {
      const at = this.#slotOf[i]!;
      if (at <= slot - SLOTS || at > slot) continue;
      calls += this.#calls[i]!;
      errors += this.#errors[i]!;
      for (let b = 0; b < this.#buckets; b++) histogram[b]! += this.#latency[i * this.#buckets + b]!;
    }
    return { calls, errors };
  }
}

/** Spend per minute over the last `hours` hours, so "the last 60 minutes" slides by the minute. */
class MinuteSpend {
  readonly #minuteOf: Float64Array;
  readonly #usd: Float64Array;
  readonly #since: number;

  constructor(hours: number, since: number) {
    this.#minuteOf = new Float64Array(hours * 60).fill(-1);
    this.#usd = new Float64Array(hours * 60);
    this.#since = since;
  }

  add(amount: number, now: number): void {
    const minute = Math.floor(now / 60_000);
    const i = minute % this.#usd.length;
    if (this.#minuteOf[i] !== minute) {
      this.#minuteOf[i] = minute;
      this.#usd[i] = 0;
    }
    this.#usd[i]! += amount;
  }

  /** As SpendHistory: only hours observed in full, besides the last one. */
  hours(hours: number, now: number): number[] {
    const observed = Math.max(1, Math.floor((now - this.#since) / HOUR));
    const count = Math.min(hours, observed, this.#usd.length / 60);
    const current = Math.floor(now / 60_000);
    const result = new Array<number>(count).fill(0);
    for (let i = 0; i < this.#usd.length; i++) {
      const age = current - this.#minuteOf[i]!; // 0 for the current minute
      if (age < 0 || age >= count * 60) continue;
      result[count - 1 - Math.floor(age / 60)]! += this.#usd[i]!;
    }
    return result;
  }
}

/** Latency bucket edges in ms: 10 ms growing by 25% up to an hour, plus the threshold. */
function latencyBounds(threshold: number | undefined): number[] {
  const bounds: number[] = [];
  for (let edge = 10; edge < HOUR * 1.25; edge *= 1.25) bounds.push(Math.round(edge));
  if (threshold !== undefined && !bounds.includes(threshold)) bounds.push(threshold);
  return bounds.sort((a, b) => a - b);
}

/** The index of the first edge ≥ ms (bounds.length when above them all). */
function bucketOf(bounds: number[], ms: number): number {
  let low = 0;
  let high = bounds.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (bounds[mid]! < ms) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The bucket holding the nearest-rank percentile. */
function percentileBucket(histogram: Uint32Array, total: number, fraction: number): number {
  const rank = Math.ceil(total * fraction);
  let seen = 0;
  for (let b = 0; b < histogram.length; b++) {
    seen += histogram[b]!;
    if (seen >= rank) return b;
  }
  return histogram.length - 1;
}

/** What an alert is about: a provider or a drifting group; null when it is about the whole gateway. */
export function subjectOf(alert: Alert): string | null {
  switch (alert.kind) {
    case 'provider_error_rate':
    case 'provider_p95_latency':
      return alert.provider;
    case 'drift':
      return `${alert.dimension} ${alert.value}`;
    default:
      return null;
  }
}

export function alertText(alert: Alert, status: AlertStatus): string {
  const prefix = status === 'resolved' ? 'Gatehouse resolved' : 'Gatehouse alert';
  switch (alert.kind) {
    case 'test':
      return `Gatehouse test alert, sent by ${alert.actor}: the alert channel works.`;
    case 'provider_error_rate':
      return (
        `${prefix}: provider "${alert.provider}" error rate is ${percent(alert.errorRate)} ` +
        `(${alert.errors} of ${alert.requests} calls) over the last ${duration(alert.windowSeconds)}; ` +
        `threshold ${percent(alert.threshold)}.`
      );
    case 'provider_p95_latency':
      return (
        `${prefix}: provider "${alert.provider}" p95 latency is about ${seconds(alert.p95Ms)} ` +
        `(${alert.requests} calls) over the last ${duration(alert.windowSeconds)}; ` +
        `threshold ${seconds(alert.thresholdMs)}.`
      );
    case 'spend_anomaly':
      return (
        `${prefix}: spend in the last hour is ${usd(alert.lastHourUsd)} against an hourly mean of ` +
        `${usd(alert.baselineMeanUsd)} over the ${alert.baselineHours} hours before; ` +
        `alert above ${alert.factor}×.`
      );
    case 'drift':
      return status === 'firing'
        ? `${prefix}: drift on ${alert.dimension} "${alert.value}": ${alert.moved.join('; ')}.`
        : `${prefix}: ${alert.dimension} "${alert.value}" no longer drifts from its baseline.`;
  }
}

const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;
const seconds = (ms: number) => `${Number((ms / 1000).toPrecision(3))} s`;
const duration = (s: number) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);
