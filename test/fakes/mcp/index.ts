// Launch lines and servers for MCP tests. Commands use this Node binary directly so tests do not depend
// on PATH or npx.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export { startFakeMcpHttpServer, type FakeMcpHttpServer, type FakeMcpHttpOptions } from './fake-mcp-http.server';
export { FakeOAuthProvider, type FakeOAuthOptions } from './fake-oauth.provider';
export { buildFakeMcpServer, FAKE_PNG_BASE64, FAKE_BLOB_BASE64 } from './fake-mcp.server';

const repoRoot = resolve(__dirname, '../../..');

export type Misbehaviour = 'hang' | 'crash' | 'flood-stdout' | 'garbage' | 'serve' | 'noisy' | 'stubborn';

export function misbehavingServerCommand(mode: Misbehaviour): string[] {
  return [process.execPath, join(__dirname, 'misbehaving-stdio-server.cjs'), mode];
}

/** The `bin` entry of an installed MCP server package, run with this Node. */
function packageBin(pkg: string): string {
  const dir = join(repoRoot, 'node_modules', pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    bin: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : Object.values(manifest.bin)[0];
  return join(dir, bin);
}

export function everythingServerCommand(): string[] {
  return [process.execPath, packageBin('@modelcontextprotocol/server-everything'), 'stdio'];
}

export function filesystemServerCommand(...allowedDirs: string[]): string[] {
  return [process.execPath, packageBin('@modelcontextprotocol/server-filesystem'), ...allowedDirs];
}

/** PATH for spawned servers: only the directory of this Node binary. */
export function testBaseEnv(): { PATH: string } {
  return { PATH: dirname(process.execPath) };
}
