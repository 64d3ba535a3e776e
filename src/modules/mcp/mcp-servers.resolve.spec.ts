import { commandAllowed } from './mcp-sandbox.spawner';
import { configFingerprint, resolveServers } from './mcp-servers.resolve';
import type { McpServerRow } from './mcp.repository';

const row = (name: string, projectId: string | null, config: unknown): McpServerRow => ({
  id: `mcp_${name}`,
  tenantId: 'ten_a',
  projectId,
  name,
  config,
  oauth: null,
});

describe('resolveServers', () => {
  it('puts rows over config, project rows over tenant rows, and applies leftover toggles to rows', () => {
    const bad: string[] = [];
    const servers = resolveServers(
      {
        docs: { type: 'remote', url: 'https://docs.example/mcp' },
        shared: { enabled: false },
        ghost: { enabled: true },
      },
      [
        row('shared', null, { type: 'local', command: ['shared-server'] }),
        row('docs', null, { type: 'remote', url: 'https://tenant.example/mcp' }),
        row('docs', 'prj_1', { type: 'remote', url: 'https://project.example/mcp' }),
        row('holder', null, { oauthOnly: true }),
        row('broken', null, { type: 'local', command: [] }),
      ],
      (r) => bad.push(r.name),
    );
    expect(Object.fromEntries(servers)).toEqual({
      docs: { type: 'remote', url: 'https://project.example/mcp' },
      shared: { type: 'local', command: ['shared-server'], enabled: false },
    });
    expect(bad).toEqual(['broken']);
  });

  it('fingerprints configs independently of key order', () => {
    expect(configFingerprint({ type: 'local', command: ['a', 'b'], environment: { X: '1', Y: '2' } })).toBe(
      configFingerprint({ environment: { Y: '2', X: '1' }, command: ['a', 'b'], type: 'local' }),
    );
    expect(configFingerprint({ command: ['a', 'b'] })).not.toBe(configFingerprint({ command: ['b', 'a'] }));
  });
});

describe('commandAllowed', () => {
  it('admits anything without a list, and only exact entries with one', () => {
    expect(commandAllowed('/usr/bin/node', undefined)).toBe(true);
    expect(commandAllowed('/usr/bin/node', ['/usr/bin/node', 'npx'])).toBe(true);
    expect(commandAllowed('npx', ['/usr/bin/node', 'npx'])).toBe(true);
    // A same-named binary elsewhere (e.g. dropped into a workspace) does not pass.
    expect(commandAllowed('/work/ten_a/usr--lab/npx', ['npx'])).toBe(false);
    expect(commandAllowed('node', ['/usr/bin/node'])).toBe(false);
    expect(commandAllowed('anything', [])).toBe(false);
  });
});
