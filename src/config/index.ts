export { ConfigError, configWarnings, loadConfig, parseConfig } from './load.ts';
export { defaultConfig } from './defaults.ts';
export * from './schema.ts';
