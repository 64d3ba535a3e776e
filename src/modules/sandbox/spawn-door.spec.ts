// "Impossible to bypass by construction": every process the server starts goes through one of two doors, and this
// spec fails the build when a file anywhere else in src imports a way to start processes. A new command path
// (a tool, a route, a hook) must use SandboxRunner, which refuses without bubblewrap; git, ripgrep and find of the
// server's own bookkeeping use core/process/host-tool.ts, which runs only those binaries.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', '..');

/** Modules that start processes. The MCP SDK's stdio client spawns its own child, unsandboxed. */
const SPAWNING_MODULES = [
  'node:child_process',
  'child_process',
  'execa',
  'cross-spawn',
  '@modelcontextprotocol/sdk/client/stdio.js',
  '@modelcontextprotocol/sdk/client/stdio',
  // node-pty's spawn() forks the command itself; only its openpty binding may be used, and only by the terminal door.
  'node-pty',
  'node-pty/lib/utils',
];

/** The only files allowed to, and why. */
const DOORS: Record<string, string> = {
  'modules/sandbox/bwrap-spawn.ts': "the command door's bubblewrap start (SandboxRunner decides: sandboxed or refused)",
  'modules/sandbox/sandbox-process.ts': "SandboxRunner's unsandboxed start (SANDBOX=off/optional only) and its probes",
  'modules/sandbox/sandbox-network.ts': 'slirp4netns and nft for a sandbox, before its command starts',
  'modules/sandbox/sandbox-terminal.ts':
    'openpty for /pty and the relay that holds its master; the shell itself starts in the runner',
  'modules/sandbox/workspace-access.ts': 'find -exec chown of a workspace for its sandbox uid (fixed argv)',
  'core/process/host-tool.ts': 'git, rg and find for the server itself, argv built and validated by the server',
  'core/process/host-tool-helper.ts':
    "the helper process that starts host-tool.ts's runs (validated there) off the event loop",
  'infra/database/embedded-postgres.cluster.ts': "the embedded database's own server processes (initdb, postgres)",
  'infra/database/embedded-postgres.process.ts': "the embedded database's own server processes",
  'infra/database/migrate.ts': "prisma's migration CLI on the server's own node",
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Value imports and requires of a module (`import type` starts nothing). */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*import\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) found.push(match[1]);
  for (const match of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(match[1]);
  for (const match of text.matchAll(/(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]);
  return found;
}

describe('one spawn door', () => {
  const files = sources(SRC).map((path) => ({ name: relative(SRC, path), text: readFileSync(path, 'utf8') }));

  it('finds the sources it guards', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const door of Object.keys(DOORS)) expect(files.map((file) => file.name)).toContain(door);
  });

  it('only the doors import a way to start processes', () => {
    const offenders = files
      .filter((file) => importsOf(file.text).some((module) => SPAWNING_MODULES.includes(module)))
      .map((file) => file.name)
      .filter((name) => !(name in DOORS));
    expect(offenders).toEqual([]);
  });

  it('no production file reaches into test-only helpers (e.g. the MCP direct spawner)', () => {
    const offenders = files
      .filter((file) => importsOf(file.text).some((module) => /(^|\/)testing\//.test(module)))
      .map((file) => file.name);
    expect(offenders).toEqual([]);
  });

  it('the host-tool door runs only its own binaries', async () => {
    const { spawnHostTool, HostToolError } = await import('../../core/process/host-tool');
    for (const binary of ['/bin/sh', 'bash', '/usr/bin/python3', 'node', '/tmp/git/evil']) {
      expect(() => spawnHostTool(binary, ['-c', 'id'], { env: {} })).toThrow(HostToolError);
    }
  });

  it('the spec itself catches a spawning import (so a pass above means something)', () => {
    expect(importsOf(`import { spawn } from 'node:child_process';`)).toContain('node:child_process');
    expect(importsOf(`import type { ChildProcess } from 'node:child_process';`)).toEqual([]);
    expect(importsOf(`const cp = require('child_process');`)).toContain('child_process');
    expect(importsOf(`import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';`)).toContain(
      '@modelcontextprotocol/sdk/client/stdio.js',
    );
  });
});
