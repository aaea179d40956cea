// The semantic index's lookup time at 10k and 100k entries, on SQLite and on PostgreSQL, excluding
// the embedding call (target: ≤ 3 ms at 100k). Entries are help-desk-like prompts built from shared
// word lists (so that many of them are close, as real traffic is), embedded with the offline
// embedder and written straight into the table; a replica then loads them (`start`) and answers
// lookups of pre-embedded queries — half paraphrases of stored prompts, half new ones — through the
// same search and veto that `find` runs. Also measured: how long an entry written by one replica
// takes to be found by another (PostgreSQL), and sqlite-vec's brute-force lookup for comparison.
//
//   npm run bench:semantic                       (paraphrase report, then this)
//   node bench/cache/semantic-index.ts --sizes 10000 --stores sqlite
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SemanticCache } from '../../src/cache/semantic/layer.ts';
import { embedOffline } from '../../src/cache/semantic/offline/embedder.ts';
import { promptOf } from '../../src/cache/semantic/prompt.ts';
import { VectorIndex } from '../../src/cache/semantic/vector-index.ts';
import { vetoReason, vetoSignature } from '../../src/cache/semantic/veto.ts';
import type { InternalCalls } from '../../src/pipeline/index.ts';
import { type Database, openDatabase } from '../../src/store/index.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    queries: { type: 'string', default: '400' },
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const queries = Number(values.queries);
const threshold = 0.9;

// Help-desk-like prompts: a few shared openers and verbs (so that many prompts are partly alike, as
// real traffic is) around three words drawn from 3,000 made-up ones (so that the set holds 100k
// distinct questions rather than near-copies of a few thousand).
const openers = ['How do I', 'How can I', 'Where do I', 'What is the way to', 'Help me'];
const verbs = [
  'reset',
  'change',
  'delete',
  'export',
  'enable',
  'find',
  'update',
  'share',
  'restore',
  'rename',
  'move',
  'copy',
];
const syllables = [
  'ka',
  'lo',
  'mi',
  're',
  'tu',
  'sa',
  'no',
  'pe',
  'di',
  'ga',
  'vo',
  'bi',
  'ze',
  'fu',
  'ha',
  'ri',
];

let seed = 12345;
const random = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
};
const pick = <T>(list: readonly T[]) => list[random(list.length)]!;
const vocabulary = Array.from({ length: 3000 }, () => pick(syllables) + pick(syllables) + pick(syllables));
const prompt = () =>
  `${pick(openers)} ${pick(verbs)} the ${pick(vocabulary)} ${pick(vocabulary)} in ${pick(vocabulary)}`;

const noCalls = {} as InternalCalls;

interface Timing {
  p50: number;
  p99: number;
  mean: number;
}

function summarise(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

const ms = (x: number) => x.toFixed(3);

/** Computes signatures as the writing replica does (store.add), for rows written straight in. */
const signer = new VectorIndex();

async function fill(database: Database, count: number, partitions: number): Promise<string[]> {
  const texts: string[] = [];
  const rows: Record<string, unknown>[] = [];
  const expires = Date.now() + 86_400_000;
  const flush = async () => {
    if (rows.length === 0) return;
    // biome-ignore lint/suspicious/noExplicitAny: the bench writes the table directly
    await (database.db as any).insertInto('semantic_cache_entries').values(rows.splice(0)).execute();
  };
  for (let i = 0; i < count; i++) {
    const text = prompt();
    texts.push(text);
    const vector = embedOffline(text);
    const signature = signer.signature(vector);
    rows.push({
      scope: `team:${i % partitions}`,
      partition: 'p:builtin',
      model: 'smart',
      team_id: `${i % partitions}`,
      cache_key: `k${i}`,
      prompt: text,
      vector: new Uint8Array(vector.buffer),
      signature: new Uint8Array(signature.buffer),
      expires_at: expires,
      created_at: Date.now(),
    });
    if (rows.length === 500) await flush();
  }
  await flush();
  return texts;
}

/** What `find` does after embedding: the search, then the veto over the candidates. */
function lookup(layer: SemanticCache, scope: string, text: string, vector: Float32Array): boolean {
  const found = layer.index.search(scope, 'p:builtin', vector, threshold, 5, Date.now());
  const asked = vetoSignature(text);
  return found.some((n) => vetoReason(asked, vetoSignature(n.entry.text)) === undefined);
}

async function measure(database: Database, size: number, partitions: number) {
  const texts = await fill(database, size, partitions);
  const loadStart = performance.now();
  const layer = await new SemanticCache(
    { embeddingModel: 'builtin', threshold, pollMs: 0 },
    { database, calls: noCalls },
  ).start();
  const loadMs = performance.now() - loadStart;
  const asks = Array.from({ length: queries }, (_, q) => {
    const i = random(size);
    // Half ask again what was stored (in other words: the opener changes), half something new.
    const text =
      q % 2 === 0 ? texts[i]!.replace(/^(How do I|How can I|Where do I|Help me)/, 'How would I') : prompt();
    return { text, vector: embedOffline(text), scope: `team:${i % partitions}` };
  });
  for (const a of asks.slice(0, 50)) lookup(layer, a.scope, a.text, a.vector);
  const samples: number[] = [];
  let hits = 0;
  for (const a of asks) {
    const start = performance.now();
    if (lookup(layer, a.scope, a.text, a.vector)) hits++;
    samples.push(performance.now() - start);
  }
  await layer.close();
  return { loadMs, timing: summarise(samples), hits };
}

async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gatehouse_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: values.postgres });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(values.postgres);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: values.postgres });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Time from a write through one replica until another (polling every 250 ms) finds it. */
async function propagation(url: string): Promise<Timing> {
  const one = await openDatabase(url);
  const two = await openDatabase(url);
  const writer = await new SemanticCache(
    { embeddingModel: 'builtin', threshold, pollMs: 0 },
    { database: one, calls: noCalls },
  ).start();
  const reader = await new SemanticCache(
    { embeddingModel: 'builtin', threshold, pollMs: 250 },
    { database: two, calls: noCalls },
  ).start();
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const text = `propagation probe number ${i} for the replica bench`;
    const vector = embedOffline(text);
    const ex = {
      ctx: { principal: { teamId: 'bench' } },
      request: { model: 'smart', messages: [{ role: 'user', content: [{ type: 'text', text }] }] },
    };
    const start = performance.now();
    await writer.remember(ex as never, 'team:bench', `probe-${i}`, Date.now() + 60_000);
    const partition = `${promptOf(ex.request as never)!.partition}:builtin`;
    while (!reader.index.search('team:bench', partition, vector, 0.99, 1, Date.now()).length)
      await new Promise((resolve) => setTimeout(resolve, 5));
    samples.push(performance.now() - start);
  }
  await writer.close();
  await reader.close();
  await one.close();
  await two.close();
  return summarise(samples);
}

/** sqlite-vec (vec0, cosine, brute force) at the same size, one partition, for comparison. */
async function sqliteVec(size: number): Promise<Timing | string> {
  let extension: string;
  try {
    extension = (await import('sqlite-vec')).getLoadablePath();
  } catch {
    return 'sqlite-vec is not installed (npm install --save-dev sqlite-vec)';
  }
  const db = new DatabaseSync(':memory:', { allowExtension: true });
  db.loadExtension(extension);
  db.exec(
    'CREATE VIRTUAL TABLE v USING vec0(embedding float[256] distance_metric=cosine, part text partition key)',
  );
  const insert = db.prepare('INSERT INTO v(rowid, embedding, part) VALUES (?, ?, ?)');
  db.exec('BEGIN');
  for (let i = 0; i < size; i++)
    insert.run(BigInt(i + 1), new Uint8Array(embedOffline(prompt()).buffer), 'p');
  db.exec('COMMIT');
  const query = db.prepare("SELECT rowid, distance FROM v WHERE embedding MATCH ? AND k = 5 AND part = 'p'");
  const samples: number[] = [];
  for (let q = 0; q < Math.min(queries, 100); q++) {
    const vector = new Uint8Array(embedOffline(prompt()).buffer);
    const start = performance.now();
    query.all(vector);
    samples.push(performance.now() - start);
  }
  db.close();
  return summarise(samples);
}

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-semantic-bench-'));
console.log(
  `Lookup = search + veto of a pre-embedded query (the embedding call excluded), threshold ${threshold}, ${queries} queries; ms.\n`,
);
console.log('| store | entries | partitions | lookup p50 | lookup p99 | mean | hits | load at start |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
let pgUrl: { url: string; drop(): Promise<void> } | undefined;
try {
  for (const store of values.stores.split(',')) {
    for (const size of sizes) {
      for (const partitions of [1, 100]) {
        let database: Database;
        let drop = async () => {};
        if (store === 'sqlite') {
          const file = join(dir, `${size}-${partitions}.db`);
          database = await openDatabase(`sqlite:${file}`);
        } else {
          const fresh = await freshPostgres();
          database = await openDatabase(fresh.url);
          drop = fresh.drop;
        }
        const { loadMs, timing, hits } = await measure(database, size, partitions);
        console.log(
          `| ${store} | ${size} | ${partitions} | ${ms(timing.p50)} | ${ms(timing.p99)} | ${ms(timing.mean)} | ${hits}/${queries} | ${(loadMs / 1000).toFixed(2)} s |`,
        );
        await database.close();
        await drop();
      }
    }
  }
  if (values.stores.includes('postgres')) {
    pgUrl = await freshPostgres();
    const timing = await propagation(pgUrl.url);
    console.log(
      `\nPostgreSQL, written by one replica → found by another (poll every 250 ms), 20 probes: p50 ${ms(timing.p50)} ms, p99 ${ms(timing.p99)} ms.`,
    );
  }
  console.log('\nsqlite-vec 0.1.9 (vec0, float[256], cosine, one partition), k = 5:');
  for (const size of sizes) {
    const result = await sqliteVec(size);
    console.log(
      typeof result === 'string'
        ? `- ${result}`
        : `- ${size} entries: p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms`,
    );
  }
} finally {
  await pgUrl?.drop();
  rmSync(dir, { recursive: true, force: true });
}
