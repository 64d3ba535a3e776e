// Session 15: the cost of a streaming part's periodic store in Postgres, per row: the whole value rewritten (`full`)
// against the new text appended in the row (`append`), each optionally with lz4 compression on the column.
// node bench/results/s15-micro-flush.cjs full full:lz4 append append:lz4   (Postgres at 127.0.0.1:5433, a throwaway table `fp`)
const { Client } = require('pg');
const c = new Client({ connectionString: 'postgresql://postgres@127.0.0.1:5433/postgres' });
const N = 100, ROUNDS = +process.env.ROUNDS || 120; const W = require('fs').readFileSync('/usr/share/common-licenses/GPL-3','utf8').split(/\s+/); let wi = 0; const piece = () => { let s=''; for (let k=0;k<15;k++) s += W[(wi++) % W.length] + ' '; return s; };
(async () => {
  await c.connect();
  for (const mode of process.argv.slice(2)) {
    const [kind, comp] = mode.split(':');
    await c.query('DROP TABLE IF EXISTS fp');
    await c.query('CREATE TABLE fp (id text primary key, t text, data jsonb)');
    if (comp) await c.query(`ALTER TABLE fp ALTER COLUMN data SET ${comp === 'external' ? 'STORAGE EXTERNAL' : 'COMPRESSION ' + comp}`);
    const pieces = []; const texts = Array.from({ length: N }, () => '');
    const ids = texts.map((_, i) => 'prt_' + i);
    await c.query(`INSERT INTO fp SELECT 'prt_' || g, 'x', '{"text":"","time":{"start":1}}'::jsonb FROM generate_series(0, ${N - 1}) g`);
    let total = 0, pgTotal = 0;
    const cpu0 = require('fs').readFileSync('/proc/stat', 'utf8');
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < N; i++) { const p = piece(); pieces[i] = p; texts[i] += p; }
      const t0 = performance.now();
      if (kind === 'full') {
        const vals = []; const rows = ids.map((id, i) => { vals.push(id, JSON.stringify({ text: texts[i], time: { start: 1 } })); return `($${vals.length - 1}, 'x', $${vals.length}::jsonb)`; });
        await c.query(`INSERT INTO fp (id, t, data) VALUES ${rows.join(',')} ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data`, vals);
      } else {
        const vals = [ids, pieces];
        await c.query(`UPDATE fp SET data = jsonb_set(data, '{text}', to_jsonb((data->>'text') || u.piece)) FROM unnest($1::text[], $2::text[]) u(id, piece) WHERE fp.id = u.id`, vals);
      }
      total += performance.now() - t0;
    }
    const { rows: [sz] } = await c.query(`select avg(pg_column_size(data))::int s, avg(length(data->>'text'))::int l from fp`);
    console.log(mode, 'ms per row-update', (total / ROUNDS / N).toFixed(4), 'final size', sz);
  }
  await c.end();
})();
