#!/usr/bin/env node
// Extracts the operation list (method, path, operationId, success status) from the OpenAPI document a live OpenCode
// serves, into test/fixtures/opencode-operations.json, which the route-coverage spec reads. Re-run it when the
// compatibility target moves: node scripts/opencode-operations.cjs <path to opencode-openapi.json>
const fs = require('node:fs');
const path = require('node:path');
const source = process.argv[2] ?? '/work/shared/reference/opencode-openapi.json';
const doc = JSON.parse(fs.readFileSync(source, 'utf8'));
const operations = [];
for (const [route, item] of Object.entries(doc.paths))
  for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
    const op = item[method];
    if (!op) continue;
    const ok = Object.keys(op.responses ?? {}).find((c) => c.startsWith('2'));
    operations.push({ method: method.toUpperCase(), path: route, operationId: op.operationId, ok: Number(ok ?? 200) });
  }
const out = path.join(__dirname, '..', 'test', 'fixtures', 'opencode-operations.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify({ version: '1.18.33', operations }, null, 1)}\n`);
process.stdout.write(`${operations.length} operations → ${path.relative(process.cwd(), out)}\n`);
