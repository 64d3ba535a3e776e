import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The checkout (or image) root, where `package.json`, `prisma/` and `node_modules/` are: the nearest folder above
 * this file that has them, so the same from src/, from dist/ file by file and from dist/'s bundled entries.
 */
function projectRoot(from = __dirname): string {
  for (let dir = from; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'prisma'))) return dir;
  }
  return path.resolve(from, '..', '..', '..');
}

export const PROJECT_ROOT = projectRoot();

// `prisma migrate deploy` in a child process, for a real Postgres (the embedded one migrates in-process, see
// embedded-migrate.ts). Asynchronous, so it never blocks an event loop that may be serving the database it migrates.
export function migrateDeploy(databaseUrl: string, root = PROJECT_ROOT): Promise<void> {
  const cli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'migrate', 'deploy'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? root,
        DATABASE_URL: databaseUrl,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && /applied|No pending migrations|already in sync/i.test(out)) resolve();
      else reject(new Error(`prisma migrate deploy failed (exit ${code}):\n${out.slice(-4000)}`));
    });
  });
}
