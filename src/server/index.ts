export { type Gateway, type GatewayOptions, startGateway } from './gateway.ts';
export { describeRedis, describeStore, StartupError } from './startup.ts';
