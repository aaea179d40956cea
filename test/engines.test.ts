// The project's .npmrc hides npm's warnings, because npm judges `engines` against the Node it runs
// on rather than the Node 24 the project pins. What those warnings were for is checked here: every
// installed package accepts the pinned Node (the one running this test).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
};

type Version = [number, number, number];

function parse(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text
    .replace(/^v/, '')
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  return [major, minor, patch];
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The forms npm packages use in `engines.node`: `>=X.Y`, `^X.Y.Z`, `X.*`, joined by `||`. */
export function satisfies(version: string, range: string): boolean {
  const current = parse(version);
  return range.split('||').some((part) => {
    const match = /^\s*(>=|\^)?\s*(\d+(?:\.(?:\d+|x|\*))*)\s*$/.exec(part);
    assert.ok(match, `cannot read the engines range "${range}"`);
    const [, op, text] = match;
    const wanted = parse(text!);
    if (op === '>=') return compare(current, wanted) >= 0;
    if (op === '^') return current[0] === wanted[0] && compare(current, wanted) >= 0;
    return current[0] === wanted[0];
  });
}

test('the range reader handles the forms in the lockfile', () => {
  assert.ok(satisfies('v24.1.0', '>=22.19.0'));
  assert.ok(!satisfies('v20.20.2', '>=22.19.0'));
  assert.ok(satisfies('v24.1.0', '^16 || ^18 || >=20'));
  assert.ok(!satisfies('v17.0.0', '^16 || ^18 || >=20'));
  assert.ok(satisfies('v24.0.0', '10.* || >= 12.*'));
  assert.ok(satisfies('v24.0.0', '>= 10.x'));
});

test('every installed package accepts the pinned Node', () => {
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (path === '' || range === undefined) continue;
    if (!satisfies(process.version, range))
      refused.push(`${path.replace(/^node_modules\//, '')} wants node ${range}`);
  }
  assert.deepEqual(refused, [], `these packages do not support ${process.version}`);
  const pinned = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
  };
  assert.ok(
    satisfies(process.version, pinned.engines.node),
    `tests run on the pinned Node, not ${process.version}`,
  );
});
