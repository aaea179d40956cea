// gatehouse mcp tools | approve-tool: the pinned definitions of the MCP servers' tools, and the
// approval of a changed one (it is withheld from every caller until then).
import { AdminClient, segment } from './admin-client.ts';
import type { Group } from './command.ts';
import { adminSections as common, listQuery, printList, printObject } from './output.ts';

interface Pin {
  server: string;
  tool: string;
  status: string;
  hash: string;
  approved_by: string | null;
  pending: null | { hash: string; changes: Array<{ path: string; before?: unknown; after?: unknown }> };
}

const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

export const mcpGroup: Group = {
  name: 'mcp',
  summary: 'The MCP gateway: pinned tool definitions and their approval.',
  details:
    'A tool whose definition (name, description, schemas) changed since it was pinned is withheld until approved.',
  actions: [
    {
      name: 'tools',
      summary: 'Every pinned tool; with --pending, the changed ones and what changed',
      flags: {
        server: { type: 'string', value: 'NAME', help: "one server's tools" },
        pending: { type: 'boolean', help: 'only tools withheld for a changed definition, with the diff' },
      },
      sections: common,
      async run(values) {
        const query = listQuery(values, ['server']);
        if (values.pending) query.set('pending', 'true');
        const page = await new AdminClient(values).request<{ data: Pin[]; next_cursor: null }>(
          'GET',
          `/admin/mcp/tools${query.size > 0 ? `?${query}` : ''}`,
        );
        if (values.json || !values.pending) {
          printList(values, page as never, ['server', 'tool', 'status', 'hash', 'approved_by']);
          return 0;
        }
        if (page.data.length === 0) console.log('No tool is waiting for approval.');
        for (const pin of page.data) {
          console.log(`${pin.server}/${pin.tool}  pending ${pin.pending?.hash}`);
          for (const c of pin.pending?.changes ?? [])
            console.log(`  ${c.path}:\n    - ${show(c.before)}\n    + ${show(c.after)}`);
          console.log(
            `  approve: gatehouse mcp approve-tool ${pin.server} ${pin.tool} --hash ${pin.pending?.hash}`,
          );
        }
        return 0;
      },
    },
    {
      name: 'approve-tool',
      summary: "Approve a tool's changed definition: it is pinned and served again (audited)",
      args: ['SERVER', 'TOOL'],
      flags: {
        hash: {
          type: 'string',
          value: 'HASH',
          help: 'the pending hash you reviewed; refused if the definition changed again since',
        },
      },
      sections: common,
      async run(values, [server, tool]) {
        const approved = await new AdminClient(values).request<Record<string, unknown>>(
          'POST',
          `/admin/mcp/tools/${segment(server!)}/${segment(tool!)}/approve`,
          values.hash === undefined ? {} : { hash: values.hash },
        );
        printObject(values, approved);
        return 0;
      },
    },
  ],
};
