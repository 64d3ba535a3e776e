import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort, startProcess, type ServerProcess } from '../../../bench/lib/proc';
import { ensureOpencode, opencodeEnv } from '../../../bench/servers/opencode';

// OpenCode's own web app in a real Chromium: the app is served by the real `opencode serve` (opencode-ai, installed
// into bench/.cache like the bench's reference server) and pointed at our server the way the app picks a server.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser test cannot run here, or undefined when it can. */
export function browserMissing(): string | undefined {
  if (!fs.existsSync(CHROMIUM))
    return `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH): the web app test is skipped`;
  return undefined;
}

export interface OpencodeWeb {
  url: string;
  stop(): Promise<void>;
}

/** `opencode serve` on a fresh port with its own HOME: it serves the web app (and its own API, unused here). */
export async function startOpencodeWeb(): Promise<OpencodeWeb> {
  const binary = ensureOpencode((line) => process.stderr.write(`${line}\n`));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-webapp-'));
  const home = path.join(work, 'home');
  const project = path.join(work, 'project');
  fs.mkdirSync(project, { recursive: true });
  const env = opencodeEnv(home);
  const port = await freePort();
  const proc: ServerProcess = startProcess(binary, ['serve', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: project,
    env,
    logFile: path.join(work, 'server.log'),
  });
  try {
    await proc.waitForLine(/listening/i, 120_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await proc.stop();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, no network of its own beyond what the page asks for. */
export async function launchChromium(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Points the app at a server the way its own settings do: the server list it keeps in localStorage
 * (`opencode.global.dat:server`, an http server with user and password) and the default server URL
 * (`opencode.settings.dat:defaultServerUrl`), both written before the app's first script runs.
 */
export async function pointAppAt(page: Page, server: { url: string; username: string; password: string }) {
  const servers = {
    list: [{ type: 'http', http: { url: server.url, username: server.username, password: server.password } }],
    projects: {},
    lastProject: {},
    recentlyClosed: {},
  };
  // A script, not a function: this file is compiled without the DOM's types.
  await page.addInitScript({
    content: `if (!localStorage.getItem('opencode.settings.dat:defaultServerUrl')) {
      localStorage.setItem('opencode.settings.dat:defaultServerUrl', ${JSON.stringify(server.url)});
      localStorage.setItem('opencode.global.dat:server', ${JSON.stringify(JSON.stringify(servers))});
    }`,
  });
}
