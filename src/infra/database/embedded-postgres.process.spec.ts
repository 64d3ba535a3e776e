import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blockedOn, embeddedView } from './embedded-postgres.process';

// As root, the embedded PostgreSQL runs as another user. When a folder above its binaries, its snapshots or its
// cluster shuts that user out (a checkout in `mktemp -d`, in /root), the server sees those three folders through a
// mount namespace of its own (a view) instead of a host folder being opened to it.

const stranger = { name: 'postgres', uid: 54_321, gid: 54_321 };

describe('the embedded server user’s way to its folders', () => {
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'reach-'));
    fs.chmodSync(base, 0o755);
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  /** native/bin/postgres, a snapshot folder and a cluster folder under `root`. */
  function layout(root: string) {
    const native = path.join(root, 'node_modules', 'pg', 'native');
    fs.mkdirSync(path.join(native, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(native, 'bin', 'postgres'), '');
    const template = path.join(root, 'node_modules', '.cache', 'opencode-api');
    fs.mkdirSync(template, { recursive: true });
    const cluster = path.join(root, '.data', 'postgres');
    fs.mkdirSync(cluster, { recursive: true });
    return { native, template, cluster };
  }

  it('names the first folder the user cannot enter', () => {
    const closed = path.join(base, 'checkout');
    fs.mkdirSync(path.join(closed, 'bin'), { recursive: true });
    fs.chmodSync(closed, 0o700);
    expect(blockedOn(path.join(closed, 'bin', 'initdb'), stranger)).toBe(closed);
  });

  it('needs no view when every folder above lets others through', () => {
    const open = path.join(base, 'open');
    const paths = layout(open);
    for (let d = paths.native; d.startsWith(base); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    expect(embeddedView(stranger, paths)).toBeUndefined();
  });

  it('behind a 0700 folder: the binaries and snapshots read-only and the cluster read-write, in a view', () => {
    const closed = path.join(base, 'closed');
    const paths = layout(closed);
    fs.chmodSync(closed, 0o700);
    const view = embeddedView(stranger, paths)!;
    expect(view.root).toMatch(/^\/[a-z]+$/);
    expect(view.mounts).toEqual([
      { host: paths.cluster, inside: `${view.root}/c`, readOnly: false },
      { host: paths.native, inside: `${view.root}/n`, readOnly: true },
      { host: paths.template, inside: `${view.root}/s`, readOnly: true },
    ]);
    // The folder itself is left as it was.
    expect(fs.statSync(closed).mode & 0o777).toBe(0o700);
    // The view's tmpfs never covers a folder it binds.
    for (const m of view.mounts) expect(m.host.startsWith(`${view.root}/`)).toBe(false);
  });

  it('without a snapshot folder yet: only the binaries and the cluster', () => {
    const closed = path.join(base, 'closed');
    const paths = layout(closed);
    fs.rmSync(paths.template, { recursive: true });
    fs.chmodSync(closed, 0o700);
    expect(embeddedView(stranger, paths)!.mounts.map((m) => m.host)).toEqual([paths.cluster, paths.native]);
  });
});
