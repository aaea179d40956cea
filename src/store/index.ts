export {
  type Database,
  type DatabaseKind,
  defaultDatabaseUrl,
  type OpenOptions,
  openDatabase,
} from './database.ts';
export type { Schema } from './schema.ts';
