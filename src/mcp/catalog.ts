// What one caller sees of the MCP servers: the tools its rules allow, pinned, narrowed and named
// for the endpoint (`<server>__<tool>` at /mcp, the server's own names at /mcp/<server>).
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../governance/index.ts';
import type { PinStore } from './pins.ts';
import { narrowingsFor, narrowSchema, qualify, refusingRule } from './policy.ts';
import type { Listing, Upstream } from './upstream.ts';

export interface ListedTool {
  server: string;
  tool: Tool;
  /** As the caller names it. */
  name: string;
}

export class Catalog {
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly #pins: PinStore;
  readonly #log: (line: string) => void;

  constructor(upstreams: ReadonlyMap<string, Upstream>, pins: PinStore, log: (line: string) => void) {
    this.upstreams = upstreams;
    this.#pins = pins;
    this.#log = log;
  }

  /** The servers an endpoint serves: one, or all. */
  servers(scope: string | undefined): Upstream[] {
    if (scope !== undefined) {
      const one = this.upstreams.get(scope);
      return one ? [one] : [];
    }
    return [...this.upstreams.values()];
  }

  /**
   * The listings of the endpoint's servers. At /mcp a server that cannot be reached is left out
   * (and logged) so that the others still serve; at /mcp/<server> its failure is the answer.
   */
  async listings(scope: string | undefined): Promise<Array<{ upstream: Upstream; listing: Listing }>> {
    const servers = this.servers(scope);
    const settled = await Promise.allSettled(servers.map((u) => u.listing()));
    const out: Array<{ upstream: Upstream; listing: Listing }> = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') out.push({ upstream: servers[i]!, listing: s.value });
      else if (scope !== undefined) throw s.reason;
      else
        this.#log(`MCP server "${servers[i]!.name}" left out of a listing: ${(s.reason as Error).message}`);
    });
    return out;
  }

  /** Whether a caller may see anything of a server (its prompts and resources): some tool allowed. */
  #serverVisible(principal: Principal, upstream: Upstream, listing: Listing): boolean {
    if (!principal.toolRules?.some((r) => r.tools)) return true;
    return listing.tools.some((t) => !refusingRule(principal, qualify(upstream.name, t.name)));
  }

  async tools(principal: Principal, scope: string | undefined): Promise<ListedTool[]> {
    const out: ListedTool[] = [];
    for (const { upstream, listing } of await this.listings(scope)) {
      const withheld = await this.#pins.withheld(upstream.name, listing.tools);
      for (const tool of listing.tools) {
        const qualified = qualify(upstream.name, tool.name);
        if (withheld.has(tool.name) || refusingRule(principal, qualified)) continue;
        const narrowings = narrowingsFor(principal, qualified);
        const name = scope === undefined ? qualified : tool.name;
        out.push({
          server: upstream.name,
          name,
          tool: { ...tool, name, inputSchema: narrowSchema(tool.inputSchema, narrowings) },
        });
      }
    }
    return out;
  }

  async prompts(principal: Principal, scope: string | undefined): Promise<Prompt[]> {
    const out: Prompt[] = [];
    for (const { upstream, listing } of await this.listings(scope)) {
      if (!this.#serverVisible(principal, upstream, listing)) continue;
      for (const p of listing.prompts)
        out.push(scope === undefined ? { ...p, name: qualify(upstream.name, p.name) } : p);
    }
    return out;
  }

  async resources(
    principal: Principal,
    scope: string | undefined,
  ): Promise<{ resources: Resource[]; templates: ResourceTemplate[] }> {
    const resources: Resource[] = [];
    const templates: ResourceTemplate[] = [];
    for (const { upstream, listing } of await this.listings(scope)) {
      if (!this.#serverVisible(principal, upstream, listing)) continue;
      const named = <T extends { name: string }>(r: T) =>
        scope === undefined ? { ...r, name: qualify(upstream.name, r.name) } : r;
      resources.push(...listing.resources.map(named));
      templates.push(...listing.templates.map(named));
    }
    return { resources, templates };
  }

  /** The server whose listing holds a resource URI (or a template matching it), if the caller may see it. */
  async resourceServer(
    principal: Principal,
    scope: string | undefined,
    uri: string,
  ): Promise<Upstream | undefined> {
    const { UriTemplate } = await import('@modelcontextprotocol/sdk/shared/uriTemplate.js');
    for (const { upstream, listing } of await this.listings(scope)) {
      if (!this.#serverVisible(principal, upstream, listing)) continue;
      if (listing.resources.some((r) => r.uri === uri)) return upstream;
      if (listing.templates.some((t) => new UriTemplate(t.uriTemplate).match(uri) !== null)) return upstream;
    }
    // At /mcp/<server> an unlisted URI is still that server's to answer.
    return scope !== undefined ? this.upstreams.get(scope) : undefined;
  }

  withheld(server: string, tools: Tool[]): Promise<Set<string>> {
    return this.#pins.withheld(server, tools);
  }
}
