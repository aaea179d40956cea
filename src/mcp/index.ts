// The MCP gateway's public surface: what the server wires and the admin API reads.
export { McpGateway, type McpGatewayOptions, type McpServerState, isMcpPath } from './gateway.ts';
export {
  type CallToolResult,
  type ToolApproval,
  type ToolCall,
  type ToolCallHook,
  type ToolCallOutcome,
  ToolRefusal,
} from './hooks.ts';
export { diff, PinStore } from './pins.ts';
