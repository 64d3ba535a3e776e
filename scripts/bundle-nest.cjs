#!/usr/bin/env node
// Nest 12 ships as ES modules, and this CommonJS app loads them through Node's require(esm): each of their ~600 files
// is resolved and linked by the ESM loader one by one, which was about a quarter of the API's boot (node 20). After
// `nest build`, this bundles the Nest packages the app uses into one CommonJS file, dist/vendor/nestjs.js (their own
// dependencies, like express, rxjs and class-validator, stay ordinary packages), and points the compiled files'
// requires of those packages at it. dist/ then loads Nest as one file; src/ and the tests are unchanged.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
// The dist folder to rewrite: dist/ (another one may be given, to try this on a copy).
const dist = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist');
const vendor = path.join(dist, 'vendor', 'nestjs.js');

// The package paths the compiled code requires, and the bundle's export that stands for each.
const PACKAGES = {
  '@nestjs/common': 'common',
  '@nestjs/common/constants': 'commonConstants',
  '@nestjs/core': 'core',
  '@nestjs/swagger': 'swagger',
  '@nestjs/platform-express': 'platformExpress',
};

function compiledFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (p !== path.dirname(vendor)) out.push(...compiledFiles(p));
    } else if (entry.name.endsWith('.js')) out.push(p);
  }
  return out;
}

async function bundle() {
  const esbuild = require('esbuild');
  const entry = Object.entries(PACKAGES)
    .map(([pkg, name]) => `export * as ${name} from '${pkg}';`)
    .join('\n');
  await esbuild.build({
    stdin: { contents: entry, resolveDir: root, loader: 'js', sourcefile: 'nestjs-vendor.js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: vendor,
    logLevel: 'warning',
    // Nest resolves optional packages and swagger-ui-dist's files from its own location (createRequire): in the
    // bundle that is dist/vendor/, whose node_modules lookup reaches the app's.
    define: { 'import.meta.url': '__nestjsVendorUrl' },
    banner: { js: "const __nestjsVendorUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [
      {
        name: 'only-nest',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            // es-toolkit's lodash-compatible entry is ~300 modules when required whole; bundled, only the few
            // functions Nest's code imports come along.
            if (args.path === 'es-toolkit' || args.path.startsWith('es-toolkit/')) return undefined;
            if (!args.path.startsWith('@nestjs/')) {
              // A version a Nest package keeps in its own node_modules (tslib) goes into the bundle with it: from
              // dist/vendor/ the require would find the hoisted one instead.
              try {
                const at = require.resolve(args.path, { paths: [args.resolveDir] });
                if (/node_modules[\\/]@nestjs[\\/][^\\/]+[\\/]node_modules[\\/]/.test(at)) return undefined;
              } catch {
                // not resolvable from there: leave it to Node at run time, as before
              }
              return { path: args.path, external: true };
            }
            // Optional Nest packages this app does not install (microservices, websockets) stay optional.
            try {
              require.resolve(args.path, { paths: [root] });
              return undefined;
            } catch {
              return { path: args.path, external: true };
            }
          });
        },
      },
    ],
  });
}

function pointRequires() {
  const pattern = /require\("(@nestjs\/[a-z-]+(?:\/constants)?)"\)/g;
  let files = 0;
  for (const file of compiledFiles(dist)) {
    const text = fs.readFileSync(file, 'utf8');
    let changed = false;
    const next = text.replace(pattern, (whole, pkg) => {
      const name = PACKAGES[pkg];
      if (!name) return whole;
      changed = true;
      let rel = path.relative(path.dirname(file), vendor).replace(/\\/g, '/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `require("${rel}").${name}`;
    });
    if (changed) {
      fs.writeFileSync(file, next);
      files++;
    }
  }
  return files;
}

bundle()
  .then(() => {
    const files = pointRequires();
    process.stdout.write(`Nest bundled into ${path.relative(root, vendor)} (${files} compiled files point at it)\n`);
  })
  .catch((err) => {
    process.stderr.write(`bundling Nest failed: ${err.stack ?? err}\n`);
    process.exit(1);
  });
