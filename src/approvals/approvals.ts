// A person in the loop. A tool call that needs approval is stored as pending, announced to the
// webhook, and waits: until a decision (made through this replica, which wakes it at once, or
// through another, which it sees on its next look at the database), its timeout, its caller going
// away, or the gateway stopping. Whatever ends the wait is written down, so the record always says
// how each call was decided.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import { GatehouseError } from '../core/errors/index.ts';
import { type Principal, postWebhook } from '../governance/index.ts';
import type { Schema } from '../store/schema.ts';
import { redactJson } from '../telemetry/index.ts';
import {
  type ApprovalStatus,
  type ApprovalView,
  approvalView,
  type Decision,
  insertApproval,
  readApproval,
  settleApproval,
} from './store.ts';

export interface ApprovalRequest {
  server: string;
  tool: string;
  /** The name the client used (`github__delete_repo`), for the notification. */
  name: string;
  arguments: Record<string, unknown>;
  principal: Principal;
  runId?: string | undefined;
  requestId: string;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface ApprovalsOptions {
  /** Where the request for a decision is announced (governance.webhook_url); none: not announced. */
  webhookUrl?: string | undefined;
  /** How often a waiting call looks at the database for a decision made through another replica. */
  pollMs?: number;
  log?: (line: string) => void;
  /** Where the approval metrics are registered (the gateway's /metrics). */
  registry?: Registry;
}

/** Arguments kept for the person deciding: redacted like logged bodies, and bounded. */
const maxArgumentChars = 16_384;

function storedArguments(args: Record<string, unknown>): string {
  const text = JSON.stringify(redactJson(args));
  return text.length <= maxArgumentChars
    ? text
    : JSON.stringify({ truncated: text.slice(0, maxArgumentChars) });
}

export class Approvals {
  readonly #db: Kysely<Schema>;
  readonly #options: ApprovalsOptions;
  readonly #pollMs: number;
  /** Waiting calls on this replica, woken when a decision is made here. */
  readonly #waiting = new Map<string, () => void>();
  /** Aborted when the gateway stops: every wait ends (cancelled). */
  readonly #stopping = new AbortController();
  readonly #outcomes: Counter<'outcome'> | undefined;

  constructor(db: Kysely<Schema>, options: ApprovalsOptions = {}) {
    this.#db = db;
    this.#options = options;
    this.#pollMs = options.pollMs ?? 500;
    const registry = options.registry;
    if (registry) {
      this.#outcomes = new Counter({
        name: 'gatehouse_approvals_total',
        help: 'Tool calls that waited for approval, by how the wait ended (approved, denied, timed_out, cancelled).',
        labelNames: ['outcome'] as const,
        registers: [registry],
      });
      const waiting = this.#waiting;
      new Gauge({
        name: 'gatehouse_approvals_waiting',
        help: 'Tool calls waiting for a decision on this replica.',
        registers: [registry],
        collect() {
          this.set(waiting.size);
        },
      });
    }
  }

  /** Stores the request, announces it, and waits for its outcome. */
  async request(
    req: ApprovalRequest,
  ): Promise<{ id: string; status: Exclude<ApprovalStatus, 'pending'>; view: ApprovalView | undefined }> {
    const now = Date.now();
    const id = `appr_${randomBytes(9).toString('base64url')}`;
    await insertApproval(this.#db, {
      id,
      status: 'pending',
      server: req.server,
      tool: req.tool,
      arguments: storedArguments(req.arguments),
      key_id: req.principal.keyId ?? null,
      team_id: req.principal.teamId ?? null,
      run_id: req.runId ?? null,
      request_id: req.requestId,
      requested_at: now,
      expires_at: now + req.timeoutMs,
      decided_at: null,
      decided_by: null,
      reason: null,
    });
    this.#announce(id, req, now + req.timeoutMs);
    const status = await this.#wait(id, now + req.timeoutMs, req.signal);
    this.#outcomes?.inc({ outcome: status });
    const row = await readApproval(this.#db, id).catch(() => undefined);
    return { id, status, view: row ? approvalView(row) : undefined };
  }

  /** A person's decision; wakes the call if it waits on this replica. */
  async decide(id: string, decision: Decision, actor: string, reason?: string): Promise<ApprovalView> {
    const { changed, row } = await settleApproval(this.#db, id, decision, actor, reason ?? null);
    if (!changed)
      throw new GatehouseError(
        'GH_CONFLICT',
        `The approval "${id}" is no longer pending: it was ${row.status.replace('_', ' ')}${row.decided_by ? ` by ${row.decided_by}` : ''}.`,
      );
    this.#waiting.get(id)?.();
    return approvalView(row);
  }

  /** Ends every wait on this replica (the gateway is stopping): those calls are cancelled. */
  close(): void {
    this.#stopping.abort();
  }

  async #wait(
    id: string,
    deadline: number,
    signal: AbortSignal,
  ): Promise<Exclude<ApprovalStatus, 'pending'>> {
    const stop = AbortSignal.any([signal, this.#stopping.signal]);
    try {
      for (;;) {
        // A database that does not answer for a moment does not end the wait: the next look may.
        const row = await readApproval(this.#db, id).catch(() => undefined);
        if (row && row.status !== 'pending') return row.status as Exclude<ApprovalStatus, 'pending'>;
        const left = deadline - Date.now();
        if (left <= 0) return await this.#end(id, 'timed_out');
        if (stop.aborted) return await this.#end(id, 'cancelled');
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            stop.removeEventListener('abort', done);
            this.#waiting.delete(id);
            resolve();
          };
          const timer = setTimeout(done, Math.min(this.#pollMs, left));
          stop.addEventListener('abort', done, { once: true });
          this.#waiting.set(id, done);
        });
      }
    } finally {
      this.#waiting.delete(id);
    }
  }

  /** The gateway ends a wait; a decision that came first stands. */
  async #end(id: string, status: 'timed_out' | 'cancelled'): Promise<Exclude<ApprovalStatus, 'pending'>> {
    try {
      const { changed, row } = await settleApproval(this.#db, id, status, 'gatehouse');
      return changed ? status : (row.status as Exclude<ApprovalStatus, 'pending'>);
    } catch (err) {
      // Not written down (the database is away): the call is still refused, never let through.
      this.#options.log?.(`approval ${id}: recording ${status} failed: ${(err as Error).message}`);
      return status;
    }
  }

  #announce(id: string, req: ApprovalRequest, expiresAt: number): void {
    const who = req.principal.keyName ? `the key "${req.principal.keyName}"` : 'the master key';
    const text =
      `Gatehouse: ${who} asks to run ${req.name}${req.runId ? ` in run "${req.runId}"` : ''}; ` +
      `it waits until ${new Date(expiresAt).toISOString()}. ` +
      `Decide with: gatehouse approvals approve ${id} (or deny ${id}).`;
    // The gateway's log says it too: a deployment without a webhook still sees what waits.
    this.#options.log?.(text);
    const url = this.#options.webhookUrl;
    if (!url) return;
    const event = {
      kind: 'approval.requested',
      id,
      server: req.server,
      tool: req.tool,
      name: req.name,
      arguments: redactJson(req.arguments),
      key_id: req.principal.keyId ?? null,
      team_id: req.principal.teamId ?? null,
      run_id: req.runId ?? null,
      expires_at: new Date(expiresAt).toISOString(),
    };
    void postWebhook(url, { text, event }, this.#options.log ?? (() => {}));
  }
}
