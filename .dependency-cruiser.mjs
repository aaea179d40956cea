// The layering of DESIGN.md §3, checked on every `npm test` (`npm run deps`). Dependencies point
// inward: core below everything; providers, surfaces and stores on core; routing on providers; the
// pipeline on routing, governance and telemetry's pure helpers; the server (the wiring) on all of
// them; the CLI on top. Telemetry subscribes to lifecycle events instead of being called, so nothing
// on the request path needs to import it. Type-only imports count: a wrong-way type is a wrong-way
// dependency. test/layering.test.ts proves each rule fails on a deliberate wrong-way import.

/** Folders under src/ that `from` may not import. */
const forbid = (name, from, to, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: `^src/(${from})/` },
  to: { path: `^src/(${to})/` },
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No module imports itself back, directly or through others (type imports included).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'No folder under src/ depends on itself back through another folder.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing-of-ours',
      comment: 'core/ (IR, errors, records, lifecycle events) is the bottom layer.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'no-provider-imports-another',
      comment: 'A provider never imports another provider; shared code sits in providers/ itself.',
      severity: 'error',
      from: { path: '^src/providers/([^/]+)/' },
      to: { path: '^src/providers/([^/]+)/', pathNot: '^src/providers/$1/' },
    },
    forbid(
      'surfaces-import-only-core',
      'api',
      'admin|cli|config|governance|pipeline|providers|routing|server|store|telemetry',
      'Surfaces decode and encode wire formats: what they share with providers lives in core/.',
    ),
    forbid(
      'providers-below-routing',
      'providers',
      'admin|api|cli|governance|pipeline|routing|server|store|telemetry',
      'Providers are converters and one HTTP call: they know the IR and their configuration only.',
    ),
    forbid(
      'routing-below-pipeline',
      'routing',
      'admin|api|cli|governance|pipeline|server|store|telemetry',
      'Routing picks and tries targets; it publishes attempts through core/lifecycle.',
    ),
    forbid(
      'governance-below-pipeline',
      'governance',
      'admin|api|cli|pipeline|routing|server|telemetry',
      'Governance (keys, limits, budgets, audit) is used by the pipeline, never the other way.',
    ),
    forbid(
      'telemetry-subscribes',
      'telemetry',
      'admin|api|cli|pipeline|routing|server',
      'Telemetry reads records (core/records) from lifecycle events; it never reaches into the request path.',
    ),
    forbid(
      'pipeline-answers-server-writes',
      'pipeline',
      'admin|api|cli|server',
      'The pipeline returns an answer; server/ encodes it in the surface dialect and writes HTTP.',
    ),
    forbid(
      'mcp-beside-pipeline',
      'mcp',
      'admin|api|cli|pipeline|providers|routing|server',
      'The MCP gateway uses governance, telemetry and the store as the pipeline does; the server routes to it.',
    ),
    forbid(
      'admin-below-server',
      'admin',
      'cli|server',
      'The server routes to the admin API and hands it what it needs (body reader, providers).',
    ),
    forbid('store-below-all', 'store', 'admin|api|cli|governance|pipeline|providers|routing|server|telemetry'),
    forbid('cli-on-top', 'admin|api|config|core|governance|pipeline|providers|routing|server|store|telemetry', 'cli'),
    {
      name: 'governance-and-telemetry-through-their-doors',
      comment:
        'Outside its folder, governance/ and telemetry/ are reached through their index.ts; tracing is ' +
        'the one exception, loaded on demand so that a gateway without a collector does not carry the SDK.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/governance/', '^src/telemetry/'] },
      to: {
        path: '^src/(governance|telemetry)/',
        pathNot: ['^src/(governance|telemetry)/index\\.ts$', '^src/telemetry/tracing\\.ts$'],
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-dev-dependencies-in-src',
      comment: 'What ships may not need a devDependency.',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The console's browser code imports its libraries by URL (/ui/vendor/…), served by src/console.
    exclude: { path: ['\\.test\\.ts$', '^src/console/web/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.json'],
      conditionNames: ['import', 'require', 'node', 'default'],
      exportsFields: ['exports'],
    },
  },
};
