// Writes gatehouse.schema.json, the published JSON Schema of gatehouse.yaml (editors use it for completion).
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/cli/config.ts';

writeFileSync(
  new URL('../gatehouse.schema.json', import.meta.url),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
console.log('wrote gatehouse.schema.json');
