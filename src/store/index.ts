export { type Database, type DatabaseKind, defaultDatabaseUrl, openDatabase } from './database.ts';
export type { Schema } from './schema.ts';
