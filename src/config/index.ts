export { defaultConfig } from './defaults.ts';
export { ConfigError, configWarnings, loadConfig, parseConfig, parseConfigText } from './load.ts';
export * from './schema.ts';
export { configDiff, configHash, maskConfigText } from './versions.ts';
