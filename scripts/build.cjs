#!/usr/bin/env node
// Builds dist/ with the Nest CLI (tsc + the Swagger plugin), then bundles Nest for it (scripts/bundle-nest.cjs) and
// each entry with our code and the packages it loads at boot (scripts/bundle-app.cjs).
// Skips work when dist is newer than src.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}
const stamp = path.join(root, 'dist', '.built');
const srcTime = Math.max(newest(path.join(root, 'src')), fs.statSync(path.join(root, 'package.json')).mtimeMs);
if (!process.argv.includes('--force') && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs > srcTime) process.exit(0);
if (!fs.existsSync(path.join(root, 'src', 'generated', 'prisma'))) {
  const g = spawnSync(process.execPath, [path.join(__dirname, 'prisma.cjs'), 'generate'], { stdio: 'inherit', cwd: root });
  if (g.status !== 0) process.exit(g.status ?? 1);
}
const nest = path.join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
const r = spawnSync(process.execPath, [nest, 'build'], { stdio: 'inherit', cwd: root });
if (r.status !== 0) process.exit(r.status ?? 1);
// Nest's ES modules as one CommonJS file, then each entry as one file (boot time; see the scripts).
for (const step of ['bundle-nest.cjs', 'bundle-app.cjs']) {
  const b = spawnSync(process.execPath, [path.join(__dirname, step)], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
fs.writeFileSync(stamp, new Date().toISOString());
