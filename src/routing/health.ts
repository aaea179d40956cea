// Active health checks, for models that configure `health_check`: every interval each of their
// targets is sent a one-token chat request. A success counts like a served call (it closes a breaker
// that was open, so a recovered target comes back without risking a caller's request); a retryable
// failure counts like a failed call (it can open the breaker before callers meet the failure).
// The checks belong to the routing state, not to a configuration: building a router hands over
// the targets to check, replacing the previous configuration's list.
import { asGatehouseError, GatehouseError } from '../core/errors/index.ts';
import type { ChatRequest } from '../core/ir/index.ts';
import type { RoutingState, TargetState } from './state.ts';
import type { HealthSettings, Target } from './targets.ts';

const checks = new WeakMap<RoutingState, HealthChecks>();

/** The health checks of a routing state: one per state, so they outlive a configuration too. */
export function healthChecksOf(state: RoutingState): HealthChecks {
  let found = checks.get(state);
  if (!found) {
    const created = new HealthChecks();
    state.onClose(() => created.stop());
    checks.set(state, created);
    found = created;
  }
  return found;
}

/** The outcome of a target's last check, for GET /admin/targets. */
export interface HealthCheckResult {
  /** Date.now() of the check's end. */
  at: number;
  ok: boolean;
  latencyMs: number;
  errorCode?: string;
}

const ping: ChatRequest = {
  model: 'health-check',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }],
  maxTokens: 1,
  stream: false,
  includeUsage: false,
};

interface Watched {
  target: Target;
  settings: HealthSettings;
  nextAt: number;
  running: boolean;
}

export class HealthChecks {
  #watched = new Map<TargetState, Watched>();
  #timer: NodeJS.Timeout | undefined;
  readonly results = new WeakMap<TargetState, HealthCheckResult>();

  /** The targets to check from now on (one entry per target identity), replacing the last list. */
  watch(targets: Iterable<{ target: Target; settings: HealthSettings }>): void {
    const next = new Map<TargetState, Watched>();
    const now = Date.now();
    for (const { target, settings } of targets) {
      if (next.has(target.state)) continue;
      const before = this.#watched.get(target.state);
      next.set(target.state, {
        target,
        settings,
        nextAt: before?.nextAt ?? now,
        running: before?.running ?? false,
      });
    }
    this.#watched = next;
    if (next.size === 0) {
      this.stop();
      return;
    }
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#tick(), 250);
      this.#timer.unref();
    }
  }

  #tick(): void {
    const now = Date.now();
    for (const watched of this.#watched.values()) {
      if (watched.running || watched.nextAt > now) continue;
      watched.running = true;
      watched.nextAt = now + watched.settings.intervalMs;
      void this.check(watched.target, watched.settings).finally(() => {
        watched.running = false;
      });
    }
  }

  /** One check of one target, its outcome told to the target's state. */
  async check(target: Target, settings: HealthSettings): Promise<HealthCheckResult> {
    const state = target.state;
    const started = performance.now();
    const ms = settings.timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new GatehouseError(
            'GH_UPSTREAM_TIMEOUT',
            `${target.providerName}: no answer to the health check in ${ms} ms.`,
          ),
        ),
      ms,
    );
    let result: HealthCheckResult;
    try {
      await target.provider.complete(ping, target.model, {
        signal: controller.signal,
        timeouts: { connectMs: ms, firstByteMs: ms, totalMs: ms },
        requestId: 'health-check',
      });
      result = { at: Date.now(), ok: true, latencyMs: performance.now() - started };
      // Not a latency sample: a one-token answer would flatter the target next to real calls.
      state.registry.checked(state);
    } catch (err) {
      const error = asGatehouseError(err);
      result = { at: Date.now(), ok: false, latencyMs: performance.now() - started, errorCode: error.code };
      // A refusal of the check itself (a 400) says nothing of the target's health.
      if (error.retryable) state.registry.failed(state, target.breaker, performance.now());
    } finally {
      clearTimeout(timer);
    }
    this.results.set(state, result);
    return result;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
