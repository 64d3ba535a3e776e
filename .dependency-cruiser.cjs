// Architecture rules checked by CI (`npm run lint:arch`), mirroring STYLE rules 19–21 and docs/architecture.md.
// Only imports that survive compilation count (tsPreCompilationDeps: false): `import type` is not a dependency.

// Domain folders of src/modules from the bottom layer up. A folder may import core, infra and folders of LOWER
// layers only — never its own layer's peers or anything above — so the module graph has a direction and no cycle.
// A new folder must be placed here (the `module-in-a-layer` rule fails until it is).
const layers = [
  ['audit', 'event', 'sandbox', 'workspace'],
  ['auth', 'project', 'permission'],
  ['tenant', 'config'],
  ['access', 'lsp'],
  ['agent'],
  ['provider'],
  ['tool', 'snapshot'],
  ['plugin'],
  ['session'],
  ['question', 'school', 'mcp', 'skill', 'instruction'],
  ['command', 'file', 'health', 'metrics', 'queue-dashboard', 'pty'],
  ['classroom', 'compat'],
];

const alt = (names) => `(${names.join('|')})`;
const layerRules = layers.map((layer, i) => {
  const sameOrAbove = layers.slice(i).flat();
  return {
    name: `layer-${i + 1}-${layer.join('-')}`,
    comment: `${layer.join(', ')} may import only modules of lower layers (see the layer list in .dependency-cruiser.cjs)`,
    severity: 'error',
    // Specs may reach across layers to test a path end to end; production code may not.
    from: { path: `^src/modules/${alt(layer)}/`, pathNot: '\\.spec\\.ts$' },
    to: { path: `^src/modules/${alt(sameOrAbove)}/`, pathNot: '^src/modules/$1/' },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'module-in-a-layer',
      comment: 'every folder of src/modules belongs to a layer of .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/modules/[^/]+/', pathNot: `^src/modules/${alt(layers.flat())}/` },
    },
    {
      name: 'no-circular',
      comment: 'no cycle between files over value imports',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-the-bottom',
      comment: 'src/core never imports infra, modules or entrypoints',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(infra|modules|bootstrap|cli)/|^src/(main|worker|app\\.module)\\.ts$' },
    },
    {
      name: 'infra-below-modules',
      comment: 'src/infra never imports domain modules or entrypoints',
      severity: 'error',
      from: { path: '^src/infra/' },
      to: { path: '^src/(modules|bootstrap|cli)/|^src/(main|worker|app\\.module)\\.ts$' },
    },
    {
      name: 'controllers-never-touch-repositories',
      comment: 'a controller calls a service (STYLE rule 1); only services use repositories',
      severity: 'error',
      from: { path: '\\.controller\\.ts$' },
      to: { path: '\\.repository\\.ts$' },
    },
    {
      name: 'only-repositories-touch-prisma',
      comment: 'Prisma is used by repositories (and the infra that creates it) only (STYLE rule 3)',
      severity: 'error',
      // health.service.ts pings the database itself: readiness is about the client, not a table.
      from: {
        path: '^src/modules/',
        pathNot: '\\.repository\\.ts$|\\.spec\\.ts$|\\.prisma-store\\.ts$|^src/modules/health/health\\.service\\.ts$',
      },
      to: { path: '^src/infra/database/prisma\\.service\\.ts$' },
    },
    {
      name: 'no-process-env-module',
      comment: 'config is parsed once in src/core/config (STYLE rule 8): nothing else imports dotenv-style loaders',
      severity: 'error',
      from: { pathNot: '^src/core/config/' },
      to: { path: '^(dotenv|env-var)$' },
    },
    {
      name: 'modules-do-not-import-the-composition-root',
      comment: 'only entrypoints import domain-modules.ts / ports.module.ts',
      severity: 'error',
      from: { path: '^src/modules/[^/]+/' },
      to: { path: '^src/modules/(domain-modules|ports\\.module)\\.ts$' },
    },
    {
      name: 'production-code-does-not-import-tests',
      comment: 'src never imports test/ or spec files',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.spec\\.ts$|testing/|\\.fixture\\.ts$' },
      to: { path: '^test/|\\.spec\\.ts$|testing/|\\.fixture\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};

// For test/e2e/session/prompt-path.e2e-spec.ts (the layers of the calls a prompt makes); not a dependency-cruiser
// option, so not enumerable.
Object.defineProperty(module.exports, 'layers', { value: layers, enumerable: false });
