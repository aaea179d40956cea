// Versioned migrations, applied in name order at start. Never edit one that has shipped: add the next.
import type { Migration } from 'kysely';
import { governance } from './001-governance.ts';

export const migrations: Record<string, Migration> = {
  '001-governance': governance,
};
