// The tools, prompts and resources our fake MCP servers offer, built with the SDK's McpServer so the wire
// protocol is the real one. Each session gets its own McpServer (an McpServer serves one transport).
import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** A 1x1 transparent PNG. */
export const FAKE_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
export const FAKE_BLOB_BASE64 = Buffer.from('binary payload').toString('base64');

export function buildFakeMcpServer(extraTools: string[] = []): McpServer {
  const server = new McpServer(
    { name: 'fake-mcp', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} } },
  );
  server.registerTool(
    'echo',
    { description: 'Echo the text back', inputSchema: { text: z.string() } },
    async ({ text }) => ({
      content: [{ type: 'text', text }],
    }),
  );
  server.registerTool(
    'add',
    { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({
      content: [{ type: 'text', text: String(a + b) }],
    }),
  );
  server.registerTool('image', { description: 'Text and a PNG' }, async () => ({
    content: [
      { type: 'text', text: 'here is a pixel' },
      { type: 'image', data: FAKE_PNG_BASE64, mimeType: 'image/png' },
    ],
  }));
  server.registerTool('resources', { description: 'Embedded text and blob resources' }, async () => ({
    content: [
      { type: 'resource', resource: { uri: 'fake://docs/readme.md', mimeType: 'text/markdown', text: '# Readme' } },
      {
        type: 'resource',
        resource: { uri: 'fake://files/data.bin', mimeType: 'application/octet-stream', blob: FAKE_BLOB_BASE64 },
      },
    ],
  }));
  server.registerTool('slow', { description: 'Sleeps', inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    await sleep(ms, undefined, { signal: extra.signal }).catch(() => undefined);
    return { content: [{ type: 'text', text: `slept ${ms}` }] };
  });
  server.registerTool(
    'big',
    { description: 'Returns n bytes of text', inputSchema: { bytes: z.number() } },
    async ({ bytes }) => ({
      content: [{ type: 'text', text: 'x'.repeat(bytes) }],
    }),
  );
  server.registerTool('fail', { description: 'Always reports an error' }, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'it broke' }],
  }));
  // Deliberately outside the SEP-986 name charset (real servers do this); mute the SDK's warning about it.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    server.registerTool('weird.name tool!', { description: 'Name needs sanitizing' }, async () => ({
      content: [{ type: 'text', text: 'ok' }],
    }));
  } finally {
    console.warn = warn;
  }
  for (const name of extraTools) addFakeTool(server, name);

  server.registerPrompt(
    'greet',
    { description: 'Greets someone', argsSchema: { name: z.string(), greeting: z.string().optional() } },
    ({ name, greeting }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `${greeting ?? 'Hello'}, ${name}!` } }],
    }),
  );
  // Text that looks like a command template's shell span: a prompt command must send it as text, never run it.
  server.registerPrompt(
    'shell-bait',
    { description: 'Mentions a shell span', argsSchema: { topic: z.string() } },
    ({ topic }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `About ${topic}: !\`echo INJECTED-$((6*7))\`` } }],
    }),
  );
  server.registerResource(
    'notes',
    'fake://notes.txt',
    { description: 'Some notes', mimeType: 'text/plain' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'remember the milk' }],
    }),
  );
  server.registerResource('logo', 'fake://logo.png', { mimeType: 'image/png' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'image/png', blob: FAKE_PNG_BASE64 }],
  }));
  return server;
}

/** Registering after connect makes McpServer send `notifications/tools/list_changed`. */
export function addFakeTool(server: McpServer, name: string): void {
  server.registerTool(name, { description: `Added tool ${name}` }, async () => ({
    content: [{ type: 'text', text: name }],
  }));
}
