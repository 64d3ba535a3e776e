import fs from 'node:fs';
import WebSocket from 'ws';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A CPU profile of another node process, taken through its inspector (`--inspect=host:port`) over CDP. */
export class Profiler {
  private next = 1;
  private readonly waiting = new Map<number, (result: any) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.waiting.get(msg.id)?.(msg.result);
    });
  }

  static async start(port: number): Promise<Profiler> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const p = new Profiler(ws);
    await p.send('Profiler.enable');
    await p.send('Profiler.setSamplingInterval', { interval: 200 });
    await p.send('Profiler.start');
    return p;
  }

  private send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Stops, writes the .cpuprofile to `file` and logs the heaviest functions (self time) and packages. */
  async stop(file: string, log: (line: string) => void): Promise<void> {
    const { profile } = (await this.send('Profiler.stop')) as { profile: CpuProfile };
    this.ws.close();
    fs.writeFileSync(file, JSON.stringify(profile));
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
    const fn = new Map<string, number>();
    const pkg = new Map<string, number>();
    let total = 0;
    for (const [id, us] of self) {
      const f = byNode.get(id)!.callFrame;
      total += us;
      const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;
      fn.set(key, (fn.get(key) ?? 0) + us);
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
      const where = m ? m[1] : f.url.includes('/dist/') ? `ours: ${f.url.replace(/^.*\/dist\//, '').split('/').slice(0, 2).join('/')}` : f.url ? 'node:' : `(${f.functionName})`;
      pkg.set(where, (pkg.get(where) ?? 0) + us);
    }
    const top = (m: Map<string, number>, k: number) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, k)
        .map(([name, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
    log(`profile: ${(total / 1000).toFixed(0)} ms sampled, written to ${file}`);
    log(`by package:\n${top(pkg, 30).join('\n')}`);
    log(`by function (self):\n${top(fn, 40).join('\n')}`);
  }
}
