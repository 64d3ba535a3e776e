#!/usr/bin/env node
// Runs the Prisma CLI. `generate` needs *some* DATABASE_URL or Prisma tries to download a query engine.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const args = process.argv.slice(2);
const env = { ...process.env };
if (!env.DATABASE_URL) {
  if (args[0] !== 'generate') {
    console.error('DATABASE_URL must be set for `prisma ' + args.join(' ') + '`');
    process.exit(2);
  }
  env.DATABASE_URL = 'postgresql://none:none@127.0.0.1:1/none';
}
const cli = path.join(__dirname, '..', 'node_modules', 'prisma', 'build', 'index.js');
const r = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
