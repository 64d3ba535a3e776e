'use strict';
// Copied to dist/code-cache.js by scripts/bundle-app.cjs. Runs a bundled entry (dist/<entry>.bundle.js) as Node's
// CommonJS loader would, but with V8's code cache: most of a boot's CPU went to compiling the module functions the
// boot runs (V8 compiles each function when first called), and a cache made after a boot holds them all, so the next
// boot deserializes them instead. Node's own compile cache (module.enableCompileCache, Node 22+) is made right after
// the file is compiled, before anything runs, and so holds little of a bundle whose modules are functions.
// The cache is keyed by the bundle's content hash (computed at build time; V8 itself only checks the length), kept
// in node_modules/.cache/opencode-api/code-cache (beside the embedded cluster's snapshots) or, where that is not
// writable (the image's /app), a folder of this user's in the temp dir; any failure only means compiling as before.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

function ownDir(dir) {
  try {
    // Only the cache's own folder is private: node_modules/.cache/opencode-api also holds the embedded cluster's
    // snapshots, which the postgres user must reach.
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    if (!fs.existsSync(dir)) fs.mkdirSync(dir, { mode: 0o700 });
    const st = fs.lstatSync(dir);
    // A cache is code: never read one from a folder someone else could have written.
    if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return;
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

function cacheDir() {
  const uid = process.getuid ? process.getuid() : 'user';
  return (
    ownDir(path.join(__dirname, '..', 'node_modules', '.cache', 'opencode-api', 'code-cache')) ??
    ownDir(path.join(os.tmpdir(), `opencode-api-code-cache-${uid}`))
  );
}

/** Runs `file` (a CommonJS bundle whose content hash is `hash`) as the module `parent` stands for. */
exports.run = function run(file, hash, parent) {
  const source = fs.readFileSync(file, 'utf8');
  const dir = cacheDir();
  const cacheFile = dir && path.join(dir, `${path.basename(file, '.js')}-${hash}-${process.version}-${process.arch}`);
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // first boot of this build
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  let saved = cachedData !== undefined && !script.cachedDataRejected;
  const save = () => {
    if (saved || !cacheFile) return;
    saved = true;
    try {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(tmp, cacheFile);
      // Caches of this entry not written for a week are of builds long gone (7-8 MB each); worktrees sharing one
      // node_modules keep theirs.
      const prefix = `${path.basename(file, '.js')}-`;
      for (const name of fs.readdirSync(dir)) {
        const at = path.join(dir, name);
        if (name.startsWith(prefix) && Date.now() - fs.statSync(at).mtimeMs > 7 * 86_400_000)
          fs.rmSync(at, { force: true });
      }
    } catch {
      // a read-only or full disk: the next boot compiles, as before
    }
  };
  // After the boot (the entry says so: main.ts once listening), or at exit for entries that never say it.
  process.once('opencode-api:booted', () => setImmediate(save));
  process.once('exit', save);
  const mod = new Module(file, parent);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod.loaded = true;
  const requireFn = Module.createRequire(file);
  script.runInThisContext()(mod.exports, requireFn, mod, file, path.dirname(file));
  return mod.exports;
};
