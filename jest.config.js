// CommonJS project on Nest 12 (ESM-only packages): @swc/jest also transforms the ESM packages Jest must load.
const esmPackages = [
  '@nestjs',
  '@opencode-ai',
  '@tarquinen',
  'file-type',
  'strtok3',
  'token-types',
  'peek-readable',
  '@tokenizer',
  'uint8array-extras',
  '@modelcontextprotocol',
  'pkce-challenge',
  'jose',
];
const transform = {
  '^.+\\.(t|j|mj)s$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
};
const base = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: {
    // The SDK exports ESM only (no `require` condition): point Jest at its files; @swc/jest transforms them.
    '^@opencode-ai/sdk$': '<rootDir>/node_modules/@opencode-ai/sdk/dist/index.js',
    '^@opencode-ai/sdk/client$': '<rootDir>/node_modules/@opencode-ai/sdk/dist/client.js',
    '^@opencode-ai/sdk/v2$': '<rootDir>/node_modules/@opencode-ai/sdk/dist/v2/index.js',
    '^@opencode-ai/plugin$': '<rootDir>/node_modules/@opencode-ai/plugin/dist/index.js',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
      globalTeardown: '<rootDir>/test/utils/global-teardown.ts',
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
      globalTeardown: '<rootDir>/test/utils/global-teardown.ts',
    },
    {
      ...base,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
      globalTeardown: '<rootDir>/test/utils/global-teardown.ts',
    },
  ],
  testTimeout: 60000,
};
