#!/usr/bin/env node
// `npm run lint:arch`: dependency-cruiser with .dependency-cruiser.cjs over src (value imports only), then the
// module graph: every folder of src/modules (plus core and infra) as one node, and its cycles (strongly
// connected components), then the size budget: no file under src over MAX_LINES lines. Fails on any error-level
// rule violation, any module cycle or any file over the budget.
//   node scripts/lint-arch.cjs            check (CI)
//   node scripts/lint-arch.cjs --graph    also print every module edge with the files behind it
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// STYLE's size budget (issue 15): a file past it is split by sub-feature. Generated code is not ours to split.
const MAX_LINES = 350;
const NOT_OURS = [path.join('src', 'generated')];

const root = path.join(__dirname, '..');
const bin = path.join(root, 'node_modules', '.bin', 'depcruise');
const out = execFileSync(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
});
const result = JSON.parse(out);

const violations = result.summary.violations;
for (const v of violations) {
  const via = v.cycle?.length ? `  (cycle: ${v.cycle.map((c) => c.name ?? c).join(' → ')})` : '';
  console.log(`${v.rule.severity}  ${v.rule.name}: ${v.from} → ${v.to}${via}`);
}

const moduleOf = (file) => {
  const m = /^src\/modules\/([^/]+)\//.exec(file) ?? /^src\/(core|infra)\//.exec(file);
  return m ? m[1] : undefined;
};
const edges = new Map();
for (const mod of result.modules) {
  const from = moduleOf(mod.source);
  // Specs may cross layers to test a path end to end; the module graph is the production code's.
  if (!from || mod.source.endsWith('.spec.ts')) continue;
  for (const dep of mod.dependencies) {
    const to = moduleOf(dep.resolved);
    if (!to || to === from) continue;
    const key = `${from} → ${to}`;
    if (!edges.has(key)) edges.set(key, []);
    edges.get(key).push(`${mod.source} → ${dep.resolved}`);
  }
}
const adjacency = new Map();
for (const key of edges.keys()) {
  const [from, to] = key.split(' → ');
  if (!adjacency.has(from)) adjacency.set(from, []);
  if (!adjacency.has(to)) adjacency.set(to, []);
  adjacency.get(from).push(to);
}
// Tarjan's strongly connected components: a component of more than one module is a cycle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
const visit = (v) => {
  index.set(v, counter);
  low.set(v, counter++);
  stack.push(v);
  onStack.add(v);
  for (const w of adjacency.get(v)) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  }
};
for (const v of adjacency.keys()) if (!index.has(v)) visit(v);

if (process.argv.includes('--graph'))
  for (const [key, files] of edges) console.log(`${key}\n    ${files.join('\n    ')}`);
for (const c of cycles) console.log(`error  module-cycle: ${c.join(', ')}`);

const tooLong = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (NOT_OURS.includes(rel)) continue;
    if (entry.isDirectory()) walk(rel);
    else if (/\.(ts|cjs|mjs|js)$/.test(entry.name)) {
      const text = fs.readFileSync(path.join(root, rel), 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines <= MAX_LINES) continue;
      tooLong.push(rel);
      console.log(`error  max-lines: ${rel} has ${lines} lines (at most ${MAX_LINES}; split it)`);
    }
  }
};
walk('src');

const errors = violations.filter((v) => v.rule.severity === 'error').length;
const warnings = violations.length - errors;
console.log(
  `lint:arch: ${result.summary.totalCruised} files, ${adjacency.size} modules, ${edges.size} module edges, ` +
    `${cycles.length} module cycles, ${tooLong.length} files over ${MAX_LINES} lines, ${errors} errors, ${warnings} warnings`,
);
process.exit(errors > 0 || cycles.length > 0 || tooLong.length > 0 ? 1 : 0);
