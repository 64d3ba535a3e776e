import { HostPaths, hostPathOf, VIRTUAL_WORKSPACE } from './host-paths';

// What a school's user sees of host paths, and the way back.

const paths = new HostPaths({ workspaceRoot: '/srv/data/workspaces', dataDir: '/srv/data' });
const view = paths.forTenant('ten_a');
const student = { tenantId: 'ten_a', platformAdmin: false };

describe('HostPaths', () => {
  it('shows the tenant’s workspace folder as /workspace and the rest of the data dir as /opencode', () => {
    expect(view.text('/srv/data/workspaces/ten_a/usr_1--default/src/a.ts')).toBe('/workspace/usr_1--default/src/a.ts');
    expect(view.text('/srv/data/tool-output/ten_a/usr_1--default/out.txt')).toBe(
      '/opencode/tool-output/usr_1--default/out.txt',
    );
    expect(view.text('/srv/data/state')).toBe('/opencode/state');
    expect(view.text('/srv/data/workspaces')).toBe('/opencode/workspaces');
  });

  it('rewrites inside text and JSON text: after a newline escape, inside quotes, several times', () => {
    const json = JSON.stringify({ out: 'x\n/srv/data/workspaces/ten_a/p--q\n', cmd: 'cd "/srv/data/state" && ls' });
    expect(JSON.parse(view.text(json))).toEqual({ out: 'x\n/workspace/p--q\n', cmd: 'cd "/opencode/state" && ls' });
  });

  it('leaves look-alikes alone: a longer folder name, a path that merely contains the root', () => {
    expect(view.text('/srv/database/x')).toBe('/srv/database/x');
    expect(view.text('/srv/data2/x')).toBe('/srv/data2/x');
    expect(view.text('/mnt/srv/data/x')).toBe('/mnt/srv/data/x');
    expect(view.text('/srv/data/workspaces/ten_ab/x')).toBe('/opencode/workspaces/ten_ab/x');
  });

  it('maps values deeply and returns the same object when nothing changes', () => {
    const untouched = { a: [1, 'two'] };
    expect(view.value(untouched)).toBe(untouched);
    expect(view.value({ a: [{ p: '/srv/data/workspaces/ten_a/u--d' }], n: 1, ok: true })).toEqual({
      a: [{ p: '/workspace/u--d' }],
      n: 1,
      ok: true,
    });
    expect(view.value(true)).toBe(true);
    expect(view.value('/srv/data/x')).toBe('/opencode/x');
  });

  it('applies to a school’s users, not to platform administrators or anonymous callers', () => {
    expect(paths.viewFor(student)).toBe(view);
    expect(paths.viewFor({ tenantId: 'ten_a', platformAdmin: true })).toBeNull();
    expect(paths.viewFor(undefined)).toBeNull();
  });
});

describe('hostPathOf', () => {
  it('turns a virtual project path back into the tenant’s host folder', () => {
    expect(hostPathOf('/srv/ws', 'ten_a', `${VIRTUAL_WORKSPACE}/usr_1--default`)).toBe('/srv/ws/ten_a/usr_1--default');
    expect(hostPathOf('/srv/ws', 'ten_a', '/workspace/usr_1--default/src/../x')).toBe('/srv/ws/ten_a/usr_1--default/x');
  });

  it('never leaves the tenant’s folder and leaves everything else as it came', () => {
    // `..` out of the slug is no slug: the input is returned and resolved as a name by the caller.
    expect(hostPathOf('/srv/ws', 'ten_a', '/workspace/../ten_b/usr_1--x')).toBe('/workspace/../ten_b/usr_1--x');
    expect(hostPathOf('/srv/ws', 'ten_a', '/workspace/app')).toBe('/workspace/app');
    expect(hostPathOf('/srv/ws', 'ten_a', '/workspace')).toBe('/workspace');
    expect(hostPathOf('/srv/ws', 'ten_a', 'src/a.ts')).toBe('src/a.ts');
    expect(hostPathOf('/srv/ws', 'ten_a', '/home/me/proj')).toBe('/home/me/proj');
  });
});
