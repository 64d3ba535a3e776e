// The path past one Postgres, in numbers (docs/scaling.md quotes this script's output with its command):
//   npx tsx bench/sim/scaling.ts --turn-bytes bench/results/turn-bytes.json --redis-url redis://127.0.0.1:6379/12 --cpu-per-token-us 57
// Measured inputs: rows and bytes per turn (bench/sim/turn-bytes.ts on a bench database) and, when --redis-url is
// given, the CPU an API process spends reading one event of the shared stream that none of its streams wants (the
// real RedisEventTransport + EventBus, 1,000 routed subscribers of other sessions). Everything else is an assumption
// given as a flag and printed with the results. Deterministic apart from the measured CPU.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { createLogger } from '../../src/core/logging/logger';
import { EventBus } from '../../src/modules/event/event.bus';
import { RedisEventTransport } from '../../src/modules/event/event.transport.redis';

const { values } = parseArgs({
  options: {
    'turn-bytes': { type: 'string', default: 'bench/results/turn-bytes.json' },
    'redis-url': { type: 'string' },
    students: { type: 'string', default: '10000' },
    'turns-per-day': { type: 'string', default: '30' },
    'school-days': { type: 'string', default: '190' },
    'text-bytes': { type: 'string', default: '6000' },
    'retention-days': { type: 'string', default: '365' },
    schools: { type: 'string', default: '2000' },
    'platform-students': { type: 'string', default: '1000000' },
    zipf: { type: 'string', default: '0.6' },
    'readers-per-group': { type: 'string', default: '2' },
    'cpu-per-token-us': { type: 'string', default: '0' },
    'tokens-per-stream': { type: 'string', default: '30' },
    subscribers: { type: 'string', default: '100000' },
    'streams-per-process': { type: 'string', default: '2500' },
    'streaming-share': { type: 'string', default: '0.1' },
    'events-per-stream': { type: 'string', default: '15' },
  },
});
const num = (k: keyof typeof values) => Number(values[k]);
const fmt = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const gib = (b: number) => b / 2 ** 30;
const out: string[] = [];
const say = (line = '') => (out.push(line), process.stdout.write(`${line}\n`));

/** School sizes: Zipf-like (a few large schools, a long tail), scaled to the platform's students. */
function schoolSizes(n: number, students: number, s = num('zipf')): number[] {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => Math.max(1, Math.round((x / sum) * students)));
}

/** Redis Cluster key slot: CRC16-XMODEM of the hash tag (or the key) mod 16384, as the server computes it. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

const hashOf = (s: string) => keySlot(s); // a stable spread for tenant ids (any good hash does)
const imbalance = (loads: number[]) => Math.max(...loads) / (loads.reduce((a, b) => a + b, 0) / loads.length);

function section1(turn: { rowsPerTurn: number; diskBytesPerTurn: number; turns: number; tables: { table: string; rowsPerTurn: number; diskBytesPerTurn: number }[] }) {
  const students = num('students');
  const turnsPerDay = num('turns-per-day');
  const textBytes = num('text-bytes');
  const perTurn = turn.diskBytesPerTurn + textBytes;
  const turnsDay = students * turnsPerDay;
  say('## 1. Rows and bytes per day per 10,000 students');
  say(`measured per turn (${turn.turns} turns of a bench database): ${fmt(turn.rowsPerTurn, 2)} rows, ${fmt(turn.diskBytesPerTurn)} bytes on disk with indexes`);
  for (const t of turn.tables) say(`  ${t.table.padEnd(12)} ${fmt(t.rowsPerTurn, 2)} rows/turn, ${fmt(t.diskBytesPerTurn)} bytes/turn`);
  say(`assumed: ${fmt(turnsPerDay)} turns per student per school day, ${fmt(textBytes)} bytes of answer and tool output text per turn (stored once, TOAST-compressed or not)`);
  const rowsDay = turnsDay * turn.rowsPerTurn;
  const bytesDay = turnsDay * perTurn;
  say(`=> ${fmt(turnsDay)} turns/day, ${fmt(rowsDay)} rows/day, ${fmt(gib(bytesDay), 1)} GiB/day, ${fmt(rowsDay / 8 / 3600)} rows/s over an 8-hour school day`);
  const year = num('school-days');
  say(`=> ${fmt(year)} school days: ${fmt(rowsDay * year / 1e6, 0)} M rows, ${fmt(gib(bytesDay * year), 0)} GiB per year per 10,000 students`);
  say('');
  return { rowsDay, bytesDay };
}

function section2(perDay: { rowsDay: number; bytesDay: number }) {
  const platform = num('platform-students') / num('students');
  const retention = num('retention-days');
  const schoolDaysPerWeek = 5;
  say(`## 2. Partitioning messages and parts by time and tenant (platform of ${fmt(num('platform-students'))} students, ${fmt(retention)}-day retention)`);
  const rowsWeek = perDay.rowsDay * schoolDaysPerWeek * platform;
  const bytesWeek = perDay.bytesDay * schoolDaysPerWeek * platform;
  say(`one week: ${fmt(rowsWeek / 1e6, 0)} M rows, ${fmt(gib(bytesWeek), 0)} GiB across Message + Part`);
  for (const hash of [1, 8, 32]) {
    const parts = Math.ceil(retention / 7) * hash;
    say(`  weekly ranges x ${String(hash).padStart(2)} tenant-hash partitions: ${fmt(parts)} partitions kept, ${fmt(gib(bytesWeek / hash), 1)} GiB and ${fmt(rowsWeek / hash / 1e6, 1)} M rows each`);
  }
  const deleteRowsPerDay = perDay.rowsDay * platform;
  say(`retention by DELETE: ${fmt(deleteRowsPerDay / 1e6, 1)} M rows deleted per school day (WAL for each row and index entry, then vacuum); by DROP: one catalog change per expired partition, no row touched`);
  say('');
}

function section3() {
  const sizes = schoolSizes(num('schools'), num('platform-students'));
  say(`## 3. Schools over several Postgres (${fmt(sizes.length)} schools, Zipf sizes: largest ${fmt(sizes[0])} students, median ${fmt(sizes[Math.floor(sizes.length / 2)])})`);
  for (const shards of [2, 4, 8, 16]) {
    const byHash = new Array(shards).fill(0);
    sizes.forEach((s, i) => (byHash[hashOf(`ten_${i}`) % shards] += s));
    const greedy = new Array(shards).fill(0);
    for (const s of [...sizes].sort((a, b) => b - a)) greedy[greedy.indexOf(Math.min(...greedy))] += s;
    say(`  ${String(shards).padStart(2)} databases: busiest/average load, tenants placed by hash ${fmt(imbalance(byHash), 2)}x, placed by size (directory table) ${fmt(imbalance(greedy), 2)}x`);
  }
  say('');
}

function section4() {
  const sizes = schoolSizes(num('schools'), num('platform-students'));
  say('## 4. Redis Cluster: BullMQ queues and the event stream under hash tags');
  // The catalogue's two queues (src/infra/queue/queue.catalogue.ts). BullMQ's Lua scripts touch several keys of a
  // queue at once, so in a cluster all of a queue's keys must share a slot: a hash tag in the prefix or the name.
  const queues = ['session', 'maintenance'];
  for (const masters of [3, 6]) {
    const slotOwner = (slot: number) => Math.floor((slot * masters) / 16384);
    const one = new Array(masters).fill(0);
    queues.forEach((q) => (one[slotOwner(keySlot(`bull:{${q}}:wait`))] += 1));
    say(`  ${masters} masters, one hash tag per queue (${queues.length} queues): queues per master ${one.join('/')}; every school's jobs of a queue on one master`);
    for (const groups of [16, 64]) {
      const load = new Array(masters).fill(0);
      sizes.forEach((s, i) => {
        const g = hashOf(`ten_${i}`) % groups;
        load[slotOwner(keySlot(`bull:{${queues[0]}:g${g}}:wait`))] += s;
      });
      say(`    ${String(groups).padStart(2)} tenant groups of the session queue (bull:{session:gN}): busiest/average master ${fmt(imbalance(load), 2)}x`);
    }
  }
  say('');
}

const KEY = 'oc:events';

async function appendAll(writer: Redis, events: number, data: string, probe: string): Promise<void> {
  for (let i = 0; i < events; i += 1000) {
    const p = writer.pipeline();
    for (let j = i; j < Math.min(events, i + 1000); j++) p.xadd(KEY, '*', 'e', j % 50 === 0 ? probe : data);
    await p.exec();
  }
}

const cpuOf = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return d.user + d.system;
};

/**
 * CPU to read one event of the shared stream in a process whose 1,000 streams all watch other sessions: the real
 * transport and bus, events appended by this process (that cost is measured alone first and subtracted).
 */
async function measureRead(url: string, events: number, subs: number): Promise<number> {
  const logger = createLogger('silent');
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(url, { maxRetriesPerRequest: null });
    clients.push(c);
    return c;
  };
  const writer = client();
  const envelope = (session: string) =>
    JSON.stringify({
      tenantId: 'ten_sim',
      sessionId: session,
      ownerId: 'usr_sim',
      projectId: 'prj_sim',
      directory: '/workspace/sim',
      event: {
        id: 'evt_000000000000abcdefghijklmn',
        type: 'message.part.delta',
        properties: { sessionID: session, messageID: 'msg_000000000000abcdefghijklmn', partID: 'prt_000000000000abcdefghijklmn', field: 'text', delta: ' charlie' },
      },
    });
  const [data, probe] = [envelope('ses_streaming'), envelope('ses_probe')];
  try {
    await writer.del(KEY);
    const a0 = process.cpuUsage();
    await appendAll(writer, events, data, probe);
    const appendOnly = cpuOf(a0);
    await writer.del(KEY);
    const bus = new EventBus(new RedisEventTransport(writer, client, events * 2, logger), logger, { deltaBatchMs: 0 });
    await bus.onModuleInit();
    for (let i = 0; i < subs; i++) bus.subscribe(() => true, () => undefined, { tenantId: 'ten_sim', sessionId: `ses_other_${i}` });
    const probes = Math.ceil(events / 50);
    let seen = 0;
    const all = new Promise<void>((resolve) => bus.subscribe(() => true, () => void (++seen === probes && resolve()), { tenantId: 'ten_sim', sessionId: 'ses_probe' }));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await appendAll(writer, events, data, probe);
    await Promise.race([all, new Promise((r) => setTimeout(r, 120_000))]);
    const total = cpuOf(c0);
    const wall = performance.now() - t0;
    await bus.onModuleDestroy();
    if (seen < probes) throw new Error(`only ${seen} of ${probes} probe events were read within 120 s`);
    const us = (total - appendOnly) / events;
    say(`measured: ${fmt(events)} events read by one process whose ${fmt(subs)} streams watch other sessions: ${fmt(us, 1)} µs CPU per event (appending them cost ${fmt(appendOnly / events, 1)} µs each, subtracted; ${fmt(wall)} ms wall)`);
    return us;
  } finally {
    await writer.del(KEY).catch(() => undefined);
    for (const c of clients) c.disconnect();
  }
}

async function section5() {
  say(`## 5. SSE fan-out at ${fmt(num('subscribers'))} subscribers`);
  const subs = num('subscribers');
  const perProc = num('streams-per-process');
  const procs = Math.ceil(subs / perProc);
  const streaming = subs * num('streaming-share');
  const eventsPerSec = streaming * num('events-per-stream');
  const readUs = values['redis-url'] ? await measureRead(values['redis-url'], 50_000, 1000) : NaN;
  const deliverUs = num('cpu-per-token-us');
  const tokensPerSec = streaming * num('tokens-per-stream');
  say(`assumed: ${fmt(perProc)} streams per API process => ${fmt(procs)} processes; ${fmt(num('streaming-share') * 100)} % of subscribers watch a session that streams ${fmt(num('tokens-per-stream'))} tokens/s in ${fmt(num('events-per-stream'))} delta events/s => ${fmt(eventsPerSec)} events/s`);
  if (deliverUs) say(`measured (stream-capacity bench): ${fmt(deliverUs)} µs of server CPU per token delivered, from the provider's chunk to the SSE write`);
  if (Number.isFinite(readUs)) {
    const shared = (procs * eventsPerSec * readUs) / 1e6;
    say(`one shared stream (today: every process reads every event): ${fmt(shared, 1)} cores in total reading events, ${fmt((eventsPerSec * readUs) / 1e6, 2)} per process, growing with the fleet`);
    // Tenant-affine routing: a school's streams land on the k processes serving its group; each reads its groups only.
    const k = num('readers-per-group');
    const total = (k * eventsPerSec * readUs) / 1e6;
    say(`per-tenant-group streams, each school's streams routed to the ${k} processes of its group: ${fmt(total, 2)} cores in total reading, ${fmt(total / procs, 3)} per process, flat as the fleet grows`);
  }
  if (deliverUs) say(`delivery itself: ${fmt((tokensPerSec * deliverUs) / 1e6, 1)} cores for ${fmt(tokensPerSec)} tokens/s at the measured cost, whatever the layout`);
  say('');
}

async function main(): Promise<void> {
  const turn = JSON.parse(fs.readFileSync(values['turn-bytes']!, 'utf8'));
  say(`# scaling simulation (${new Date().toISOString()})`);
  say(`command: npx tsx bench/sim/scaling.ts ${process.argv.slice(2).join(' ')}`);
  say('');
  const perDay = section1(turn);
  section2(perDay);
  section3();
  section4();
  await section5();
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
