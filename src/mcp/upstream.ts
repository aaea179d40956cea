// One configured MCP server as the gateway's client of it: connected on first use (and again after
// it went away), its tool, prompt and resource lists kept and refreshed when it says they changed,
// and every request bounded by the server's timeouts, so that a server that is down or hangs is an
// error for the caller rather than a wait.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolResultSchema,
  type CallToolRequest,
  type CallToolResult,
  ErrorCode,
  McpError,
  type Prompt,
  PromptListChangedNotificationSchema,
  type Resource,
  ResourceListChangedNotificationSchema,
  type ResourceTemplate,
  type Tool,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../config/index.ts';

export interface Listing {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  templates: ResourceTemplate[];
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
}

const version = '0.1.0';
/** How old a listing may be before it is fetched again (in the background). */
const relistMs = 60_000;
/** How long a failed connection is reported without trying again. */
const retryConnectMs = 2_000;

export class Upstream {
  readonly name: string;
  readonly config: McpServerConfig;
  readonly connectMs: number;
  readonly callMs: number;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #listing: Listing | undefined;
  #listingAt = 0;
  #refreshing: Promise<Listing> | undefined;
  #closed = false;
  #failed: { error: UpstreamError; until: number } | undefined;
  /** Called when the server's lists changed (after they were fetched again). */
  onChange: ((what: 'tools' | 'prompts' | 'resources') => void) | undefined;
  readonly #log: (line: string) => void;

  constructor(name: string, config: McpServerConfig, log: (line: string) => void) {
    this.name = name;
    this.config = config;
    this.connectMs = config.timeouts?.connect_ms ?? 10_000;
    this.callMs = config.timeouts?.call_ms ?? 60_000;
    this.#log = log;
  }

  /** The connected client; connects (bounded by connect_ms) when there is none. */
  client(): Promise<Client> {
    if (this.#closed) return Promise.reject(new UpstreamError(`The MCP server "${this.name}" is closed.`));
    if (this.#client) return Promise.resolve(this.#client);
    // A server that just failed to connect is not tried again for a moment: callers get its error
    // at once instead of each waiting out the connect timeout.
    if (this.#failed && this.#failed.until > Date.now()) return Promise.reject(this.#failed.error);
    this.#connecting ??= this.#connect()
      .then(
        (client) => {
          this.#failed = undefined;
          return client;
        },
        (err: UpstreamError) => {
          this.#failed = { error: err, until: Date.now() + retryConnectMs };
          throw err;
        },
      )
      .finally(() => {
        this.#connecting = undefined;
      });
    return this.#connecting;
  }

  async #connect(): Promise<Client> {
    const client = new Client({ name: 'gatehouse', version }, { capabilities: {} });
    const transport = this.#transport();
    try {
      await client.connect(transport, { timeout: this.connectMs, maxTotalTimeout: this.connectMs });
    } catch (err) {
      await client.close().catch(() => {});
      throw new UpstreamError(`The MCP server "${this.name}" cannot be reached: ${message(err)}`, {
        cause: err,
      });
    }
    client.onclose = () => {
      if (this.#client === client) {
        this.#client = undefined;
        this.#listing = undefined;
        if (!this.#closed)
          this.#log(`MCP server "${this.name}": connection closed; reconnecting on next use.`);
      }
    };
    const changed = (what: 'tools' | 'prompts' | 'resources') => async () => {
      this.#listing = undefined;
      await this.listing().catch(() => {});
      this.onChange?.(what);
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, changed('tools'));
    client.setNotificationHandler(PromptListChangedNotificationSchema, changed('prompts'));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, changed('resources'));
    if (this.#closed) {
      await client.close().catch(() => {});
      throw new UpstreamError(`The MCP server "${this.name}" is closed.`);
    }
    this.#client = client;
    return client;
  }

  #transport(): Transport {
    const config = this.config;
    if (config.transport === 'stdio') {
      return new StdioClientTransport({
        command: config.command,
        args: config.args,
        env: { ...getDefaultEnvironment(), ...config.env },
        ...(config.cwd ? { cwd: config.cwd } : {}),
        stderr: 'ignore',
      });
    }
    const headers = config.headers ?? {};
    const url = new URL(config.url);
    if (config.transport === 'sse')
      return new SSEClientTransport(url, {
        requestInit: { headers },
        eventSourceInit: { fetch: withHeaders(headers) },
      });
    return new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  }

  /** The server's tools, prompts and resources (fetched at most once until they change). */
  listing(): Promise<Listing> {
    if (this.#listing && this.#client) {
      // A server that never announces list changes is asked again now and then, so that a changed
      // definition is noticed (and withheld) without waiting for a reconnection.
      if (Date.now() - this.#listingAt > relistMs && !this.#refreshing) {
        const before = JSON.stringify(this.#listing.tools);
        this.#refreshing = this.#fetchListing()
          .then((listing) => {
            if (JSON.stringify(listing.tools) !== before) this.onChange?.('tools');
            return listing;
          })
          .finally(() => {
            this.#refreshing = undefined;
          });
        this.#refreshing.catch(() => {});
      }
      return Promise.resolve(this.#listing);
    }
    this.#refreshing ??= this.#fetchListing().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** What is known of the connection now, without trying it: for the admin API's server list. */
  get state(): { status: 'connected' | 'unreachable' | 'not_connected'; error: string | null } {
    if (this.#client) return { status: 'connected', error: null };
    if (this.#failed) return { status: 'unreachable', error: this.#failed.error.message };
    return { status: 'not_connected', error: null };
  }

  /** The cached listing, if one was fetched (no waiting). */
  get cached(): Listing | undefined {
    return this.#listing;
  }

  async #fetchListing(): Promise<Listing> {
    const client = await this.client();
    const options = this.options();
    const caps = client.getServerCapabilities() ?? {};
    const all = async <T>(page: (cursor?: string) => Promise<{ items: T[]; next?: string | undefined }>) => {
      const items: T[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 100; i++) {
        const got = await page(cursor);
        items.push(...got.items);
        if (!got.next) break;
        cursor = got.next;
      }
      return items;
    };
    try {
      const [tools, prompts, resources, templates] = await Promise.all([
        caps.tools
          ? all(async (cursor) => {
              const r = await client.listTools(cursor ? { cursor } : undefined, options);
              return { items: r.tools, next: r.nextCursor };
            })
          : [],
        caps.prompts
          ? all(async (cursor) => {
              const r = await client.listPrompts(cursor ? { cursor } : undefined, options);
              return { items: r.prompts, next: r.nextCursor };
            })
          : [],
        caps.resources
          ? all(async (cursor) => {
              const r = await client.listResources(cursor ? { cursor } : undefined, options);
              return { items: r.resources, next: r.nextCursor };
            })
          : [],
        caps.resources
          ? all(async (cursor) => {
              const r = await client.listResourceTemplates(cursor ? { cursor } : undefined, options);
              return { items: r.resourceTemplates, next: r.nextCursor };
            })
          : [],
      ]);
      this.#listing = { tools, prompts, resources, templates };
      this.#listingAt = Date.now();
      return this.#listing;
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Options of one request to this server: its timeout, a cancellation signal, progress. */
  options(extra: Partial<RequestOptions> = {}): RequestOptions {
    return { timeout: this.callMs, maxTotalTimeout: this.callMs, ...extra };
  }

  async callTool(
    params: CallToolRequest['params'],
    options: Partial<RequestOptions>,
  ): Promise<CallToolResult> {
    const client = await abortable(this.client(), options.signal);
    try {
      return (await client.request(
        { method: 'tools/call', params },
        CallToolResultSchema,
        this.options(options),
      )) as CallToolResult;
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** An error of this server's, saying which server it was. */
  failure(err: unknown): Error {
    if (err instanceof UpstreamError) return err;
    if (err instanceof McpError) {
      if (err.code === ErrorCode.RequestTimeout)
        return new UpstreamError(`The MCP server "${this.name}" did not answer within ${this.callMs} ms.`, {
          cause: err,
        });
      // A JSON-RPC error the server answered with passes through as it is.
      if (err.code !== ErrorCode.ConnectionClosed) return err;
    }
    return new UpstreamError(`The MCP server "${this.name}" failed: ${message(err)}`, { cause: err });
  }

  get listedAt(): number {
    return this.#listingAt;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    await client?.close().catch(() => {});
  }
}

/** The promise, or its signal's reason as soon as the signal aborts (a connection being made is not waited for). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A fetch that sends the configured headers with the SSE stream's GET too. */
function withHeaders(headers: Record<string, string>): typeof fetch {
  return (input, init) =>
    fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), ...headers } });
}
