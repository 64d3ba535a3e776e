#!/usr/bin/env node
// A stdio MCP server that misbehaves on request, for pool robustness tests. Plain CommonJS so `node` runs
// it without a TypeScript loader. Mode (argv[2]):
//   hang          reads stdin, never answers (not even `initialize`)
//   crash         writes to stderr and exits 3 before speaking
//   flood-stdout  writes an endless line with no newline
//   garbage       writes endless non-JSON lines
//   serve         a real SDK server whose tools misbehave: crash, hang, huge, echo, env
//   noisy         like serve, but first writes 2 MB to stderr and keeps writing while serving
//   stubborn      like serve, but ignores SIGTERM and stdin EOF (only SIGKILL stops it)
'use strict';

const mode = process.argv[2] || 'serve';

function forever(write) {
  const tick = () => {
    if (write() !== false) setImmediate(tick);
    else process.stdout.once('drain', tick);
  };
  tick();
}

if (mode === 'hang') {
  process.stdin.resume();
  setInterval(() => {}, 1 << 30);
} else if (mode === 'crash') {
  process.stderr.write('boom: config file missing\n');
  process.exit(3);
} else if (mode === 'flood-stdout') {
  process.stdin.resume();
  const chunk = 'y'.repeat(64 * 1024);
  forever(() => process.stdout.write(chunk));
} else if (mode === 'garbage') {
  process.stdin.resume();
  forever(() => process.stdout.write('this is not json\n'));
} else {
  const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
  const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
  const { z } = require('zod');
  if (mode === 'noisy') {
    process.stderr.write('e'.repeat(2 * 1024 * 1024) + '\n');
    setInterval(() => process.stderr.write('still noisy '.repeat(1000) + '\n'), 5).unref();
  }
  if (mode === 'stubborn') {
    process.on('SIGTERM', () => {});
    setInterval(() => {}, 1 << 30);
  }
  const server = new McpServer({ name: 'misbehaving', version: '1.0.0' });
  const text = (value) => ({ content: [{ type: 'text', text: value }] });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text: value }) => text(value));
  server.registerTool('crash', {}, async () => process.exit(7));
  server.registerTool('hang', {}, () => new Promise(() => {}));
  server.registerTool('huge', { inputSchema: { bytes: z.number() } }, async ({ bytes }) => text('z'.repeat(bytes)));
  server.registerTool('env', {}, async () => text(JSON.stringify(process.env)));
  server.connect(new StdioServerTransport());
}
