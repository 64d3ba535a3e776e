import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../../core/config/app-config';
import type { EventBus } from '../event/event.bus';
import type { PublishInput } from '../event/event.types';
import type { ProjectService } from '../project/project.service';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import type { SandboxRepository } from '../sandbox/sandbox.repository';
import { SandboxUnavailableError } from '../sandbox/sandbox.errors';
import { identityForTenant } from '../sandbox/workspace-access';
import { LspPool } from './lsp-pool.service';
import { runOperation } from './lsp-operations';
import { LANGUAGE_SERVERS, SANDBOX_NODE } from './lsp-servers';

jest.setTimeout(120_000);

const ts = LANGUAGE_SERVERS.find((s) => s.id === 'typescript')!;
const py = LANGUAGE_SERVERS.find((s) => s.id === 'pyright')!;

let base: string;
let root: string;
let published: PublishInput[];

function pool(runner: SandboxRunner, lsp: Partial<AppConfig['lsp']> = {}): LspPool {
  const config = {
    lsp: { perTenant: 4, max: 8, idleMs: 600_000, memoryMb: 512, timeoutMs: 30_000, ...lsp },
  } as AppConfig;
  const policy = new SandboxPolicy({ bashNetwork: async () => false } as unknown as SandboxRepository);
  const projects = { ownerOf: async () => 'usr_owner' } as unknown as ProjectService;
  const bus = { publish: (e: PublishInput) => published.push(e) } as unknown as EventBus;
  return new LspPool(config, runner, policy, projects, bus);
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'lsp-pool-'));
  root = join(base, 'project');
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true } }));
  writeFileSync(join(root, 'src/math.ts'), 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
  writeFileSync(join(root, 'src/main.ts'), "import { add } from './math';\nconst n: string = add(1, 2);\n");
  writeFileSync(join(root, 'app.py'), 'def greet(name: str) -> str:\n    return "hi " + name\n\ngreet(3)\n');
});
beforeEach(() => (published = []));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const scope = (tenantId = 'ten_a', projectId = 'prj_1') => ({ tenantId, projectId, root });

describe('LspPool with real servers in the sandbox', () => {
  let runner: SandboxRunner;
  let lsp: LspPool;
  beforeAll(() => {
    runner = new SandboxRunner({ stateDir: join(base, 'state') });
    lsp = pool(runner);
  });
  afterAll(() => lsp.onModuleDestroy());

  it('typescript-language-server: diagnostics, definition across files, and the status and events', async () => {
    const client = await lsp.client(scope(), ts);
    const main = join(root, 'src/main.ts');
    const text = "import { add } from './math';\nconst n: string = add(1, 2);\n";
    const diagnostics = await client.check(main, text, 60_000);
    expect(diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining("Type 'number' is not assignable to type 'string'"),
    ]);
    const defs = await runOperation(client, { operation: 'goToDefinition', file: main, line: 1, character: 18 });
    expect(defs).toEqual([expect.objectContaining({ uri: expect.stringMatching(/src\/math\.ts$/) })]);
    expect(lsp.status('ten_a', 'prj_1')).toEqual([
      { id: 'typescript', name: 'typescript', root: '', status: 'connected' },
    ]);
    expect(published.map((e) => e.type)).toEqual(expect.arrayContaining(['lsp.updated', 'lsp.client.diagnostics']));
    expect(published[0]).toMatchObject({ tenantId: 'ten_a', projectId: 'prj_1', ownerId: 'usr_owner' });
    // Same project, same server: one process.
    expect(await lsp.client(scope(), ts)).toBe(client);
  });

  it('pyright: a type error in the file, and hover', async () => {
    const client = await lsp.client(scope(), py);
    const file = join(root, 'app.py');
    const text = 'def greet(name: str) -> str:\n    return "hi " + name\n\ngreet(3)\n';
    const errors = (await client.check(file, text, 60_000)).filter((d) => d.severity === 1);
    expect(errors[0]?.message).toMatch(/"Literal\[3\]" is not assignable to "str"|cannot be assigned/);
    const hover = await runOperation(client, { operation: 'hover', file, line: 0, character: 5 });
    expect(JSON.stringify(hover)).toContain('greet');
  });

  it("runs the server as the school's uid, in a network namespace of its own", async () => {
    const client = await lsp.client(scope(), ts);
    const pid = client.process.pid!;
    expect(pid).toBeGreaterThan(0);
    const servers = execFileSync('ps', ['-eo', 'uid=,pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, , cmd, entry]) => cmd === SANDBOX_NODE && entry?.endsWith('typescript-language-server/lib/cli.mjs'));
    expect(servers.length).toBeGreaterThan(0);
    for (const [uid, serverPid] of servers) {
      expect(Number(uid)).toBe(identityForTenant('ten_a').uid);
      expect(readlinkSync(`/proc/${serverPid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
    }
  });

  it("stops a school's least recently used server past its cap", async () => {
    const capped = pool(runner, { perTenant: 1 });
    try {
      const first = await capped.client(scope('ten_b', 'prj_2'), py);
      await capped.client(scope('ten_b', 'prj_3'), py);
      expect(capped.count('ten_b')).toBe(1);
      expect(first.alive).toBe(false);
    } finally {
      await capped.onModuleDestroy();
    }
  });
});

describe('LspPool without bubblewrap (SANDBOX=required)', () => {
  it('refuses with the same typed error as every command path, and starts nothing', async () => {
    const runner = new SandboxRunner({ stateDir: join(base, 'state-missing'), bwrapPath: null });
    const lsp = pool(runner);
    await expect(lsp.client(scope(), ts)).rejects.toBeInstanceOf(SandboxUnavailableError);
    expect(lsp.count()).toBe(0);
    expect(lsp.status('ten_a', 'prj_1')).toEqual([]);
  });
});
