#!/usr/bin/env node
// A Docker API socket for docker-compose 1.x that does what Compose v2 does on the client side with
// `security_opt: systempaths=unconfined`: take it out of SecurityOpt and send MaskedPaths: [] and ReadonlyPaths: []
// instead (docker/compose pkg/compose/create.go; the docker CLI does the same for `docker run --security-opt`).
// Compose 1.x passes the option through unchanged and the daemon refuses it ("invalid --security-opt 2"), so
// `docker-compose up` could not create the api and worker of docker-compose.yml. Every other request, and every
// hijacked stream (exec, attach, logs, events), goes through byte for byte.
//
//   node deploy/compose/compose-v1-shim.cjs LISTEN_SOCKET [DOCKER_SOCKET]    then DOCKER_HOST=unix://LISTEN_SOCKET
'use strict';
const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');

const [listenPath, dockerPath = '/var/run/docker.sock'] = process.argv.slice(2);
if (!listenPath) {
  console.error('usage: compose-v1-shim.cjs LISTEN_SOCKET [DOCKER_SOCKET]');
  process.exit(2);
}
const CREATE = /^(\/v[0-9.]+)?\/containers\/create(\?|$)/;

/** The create body with systempaths=unconfined turned into empty masked and read-only path lists. */
function rewriteCreate(body) {
  const spec = JSON.parse(body.toString('utf8'));
  const host = spec.HostConfig;
  const opts = (host && host.SecurityOpt) || [];
  if (!opts.includes('systempaths=unconfined')) return body;
  host.SecurityOpt = opts.filter((o) => o !== 'systempaths=unconfined');
  host.MaskedPaths = [];
  host.ReadonlyPaths = [];
  return Buffer.from(JSON.stringify(spec));
}

function forward(req, res, body) {
  const headers = { ...req.headers };
  if (body) {
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
  }
  const up = http.request({ socketPath: dockerPath, method: req.method, path: req.url, headers }, (r) => {
    res.writeHead(r.statusCode, r.statusMessage, r.headers);
    r.pipe(res);
  });
  up.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `compose-v1-shim: ${err.message}` }));
  });
  if (body) up.end(body);
  else req.pipe(up);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !CREATE.test(req.url)) return forward(req, res, null);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    try {
      body = rewriteCreate(body);
    } catch {
      // Not JSON: the daemon answers it as it would have.
    }
    forward(req, res, body);
  });
});

// exec/attach hijack the connection (Upgrade: tcp): replay the request head, then splice the two sockets.
server.on('upgrade', (req, socket, head) => {
  const up = net.connect(dockerPath, () => {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    up.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
});

fs.rmSync(listenPath, { force: true });
server.listen(listenPath, () => console.log(`compose-v1-shim: ${listenPath} -> ${dockerPath}`));
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    fs.rmSync(listenPath, { force: true });
    process.exit(0);
  });
