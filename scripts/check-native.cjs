#!/usr/bin/env node
// Exercises every native addon the project loads, under whichever Node runs this file (CI runs it on Node 24 with
// the node_modules that Node 20 installed): node-pty (a real terminal), msgpackr-extract (BullMQ's job packing,
// through msgpackr with native acceleration on), @parcel/watcher (Jest's watcher; one real file event), @swc/core
// (the test transform), and Prisma's WASM engines (both compile; with DATABASE_URL the schema engine migrates a
// throwaway database).
// Each must work, not merely load; a failure names the addon and exits 1.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const checks = {
  async 'node-pty'() {
    const pty = require('node-pty');
    const term = pty.spawn('/bin/sh', ['-c', 'echo pty-ok'], { cols: 80, rows: 24 });
    let out = '';
    term.onData((d) => (out += d));
    const code = await new Promise((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    assert.equal(code, 0);
    assert.match(out, /pty-ok/);
  },
  async 'msgpackr-extract'() {
    const msgpackr = await import('msgpackr');
    const value = { tenantId: 'ten_1', n: [1, 2.5, 'x'.repeat(64)], nested: { ok: true } };
    assert.deepEqual(msgpackr.unpack(msgpackr.pack(value)), value);
    assert.equal(msgpackr.isNativeAccelerationEnabled, true, 'msgpackr fell back to JavaScript');
  },
  async '@parcel/watcher'() {
    const watcher = require('@parcel/watcher');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-check-'));
    try {
      let resolveEvent;
      const seen = new Promise((r) => (resolveEvent = r));
      const sub = await watcher.subscribe(dir, (err, events) => {
        if (!err && events.some((e) => e.path.endsWith('touched.txt'))) resolveEvent();
      });
      fs.writeFileSync(path.join(dir, 'touched.txt'), 'x');
      const timer = new Promise((_, reject) => setTimeout(() => reject(new Error('no file event in 20 s')), 20_000));
      await Promise.race([seen, timer]);
      await sub.unsubscribe();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  async '@swc/core'() {
    const { transformSync } = require('@swc/core');
    const { code } = transformSync('const x: number = 1; export { x };', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    assert.match(code, /exports/);
  },
  async 'prisma wasm engines'() {
    // The query compiler the generated client runs in-process (engineType "client") must compile here; the schema
    // engine must apply every migration: `prisma migrate deploy` on a throwaway database (with DATABASE_URL).
    const build = path.join(path.dirname(require.resolve('prisma/package.json')), 'build');
    for (const f of ['query_compiler_bg.postgresql.wasm', 'schema_engine_bg.wasm']) {
      await WebAssembly.compile(fs.readFileSync(path.join(build, f)));
    }
    if (!process.env.DATABASE_URL) return console.log('     (no DATABASE_URL: migrate deploy skipped)');
    const { Client } = require('pg');
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const db = `native_check_${process.pid}_${Date.now()}`;
    await admin.query(`CREATE DATABASE "${db}"`);
    try {
      const url = new URL(process.env.DATABASE_URL);
      url.pathname = `/${db}`;
      const r = spawnSync(process.execPath, [path.join(__dirname, 'prisma.cjs'), 'migrate', 'deploy'], {
        cwd: path.join(__dirname, '..'),
        env: { ...process.env, DATABASE_URL: url.toString() },
        encoding: 'utf8',
        timeout: 180_000,
      });
      assert.equal(r.status, 0, `migrate deploy: ${r.stdout}${r.stderr}`);
      const migrations = fs
        .readdirSync(path.join(__dirname, '..', 'prisma', 'migrations'))
        .filter((d) => /^\d/.test(d));
      const check = new Client({ connectionString: url.toString() });
      await check.connect();
      const { rows } = await check.query(
        'SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL',
      );
      await check.end();
      assert.equal(rows[0].n, migrations.length);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      await admin.end();
    }
  },
};

(async () => {
  let failed = 0;
  for (const [name, run] of Object.entries(checks)) {
    try {
      await run();
      console.log(`ok   ${name}`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
    }
  }
  console.log(
    `native addons on node ${process.version} (abi ${process.versions.modules}): ${failed ? 'FAILED' : 'ok'}`,
  );
  process.exit(failed ? 1 : 0);
})();
