import { spawn } from 'node:child_process';
import path from 'node:path';

// `prisma migrate deploy` in a child process. It must be asynchronous: in embedded mode this very process
// serves the database the CLI connects to, so a synchronous spawn would deadlock.
export function migrateDeploy(databaseUrl: string, root = path.resolve(__dirname, '..', '..', '..')): Promise<void> {
  const cli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'migrate', 'deploy'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
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
