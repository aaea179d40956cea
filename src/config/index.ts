export { ConfigError, configWarnings, loadConfig, parseConfig, parseConfigText } from './load.ts';
export { configDiff, configHash, maskConfigText } from './versions.ts';
export { defaultConfig } from './defaults.ts';
export * from './schema.ts';
