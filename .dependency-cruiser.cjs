/**
 * Layering rules (DESIGN §1), checked in CI by `npm run check:deps`. Test files (`*.test.ts`), store
 * contract suites (`*.contract.ts`) and `testing/` helpers may reach across layers to wire what they
 * test; runtime code may not.
 */
const TESTS = '(\\.test\\.ts$|\\.contract\\.ts$|/testing/)';
const ENTRY_POINTS = '^backend/(scripts/|src/main\\.ts$|src/goldens/runner\\.ts$|bench/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make load order matter and hide the layering; break them with a seam.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'runtime-not-to-testing',
      severity: 'error',
      comment: 'Test helpers (any testing/ folder) are for tests only.',
      from: { path: '^backend/', pathNot: TESTS },
      to: { path: '/testing/' },
    },
    {
      name: 'runtime-not-to-goldens',
      severity: 'error',
      comment: 'The golden runner is a test tool: nothing outside goldens/ (and tests) imports it.',
      from: { path: '^backend/', pathNot: `${TESTS}|^backend/src/goldens/` },
      to: { path: '^backend/src/goldens/' },
    },
    {
      name: 'lower-layers-not-up',
      severity: 'error',
      comment: 'game/, shared/, config/, content/, model/, store/ and turns/ never import server/ or app/.',
      from: { path: '^backend/src/(game|shared|config|content|model|store|turns)/', pathNot: TESTS },
      to: { path: '^backend/src/(server|app)/' },
    },
    {
      name: 'bottom-layers-stay-at-the-bottom',
      severity: 'error',
      comment: 'game/, shared/ and config/ are imported by everyone, so they import no capability.',
      from: { path: '^backend/src/(game|shared|config)/', pathNot: TESTS },
      to: { path: '^backend/src/', pathNot: '^backend/src/(game|shared|config)/' },
    },
    {
      name: 'only-entry-points-import-app',
      severity: 'error',
      comment: 'app/ is the composition root: only entry points (scripts, main.ts, the golden runner) wire the process.',
      from: { path: '^backend/', pathNot: `${TESTS}|${ENTRY_POINTS}|^backend/src/app/` },
      to: { path: '^backend/src/app/' },
    },
    {
      name: 'kysely-values-through-one-module',
      severity: 'error',
      comment:
        "Kysely's values come from store/kysely-runtime.ts (its CommonJS build, fast to load under tsx); a second, ESM copy would not recognise the first one's objects. Type imports are free.",
      from: { pathNot: '^backend/src/store/kysely-runtime\\.ts$' },
      to: { path: '(^|/)node_modules/kysely/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'database-drivers-only-in-store',
      severity: 'error',
      comment:
        'Only store/ knows SQLite from PostgreSQL (DESIGN §1): the drivers stay behind its dialect adapter. The bench (its raw-driver floor) and the load harness (it creates and drops its own databases) are tools, not the product.',
      from: { path: '^backend/', pathNot: `${TESTS}|^backend/src/store/|^backend/bench/|^backend/src/load/` },
      to: { path: '(^|/)node_modules/(pg|better-sqlite3)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
