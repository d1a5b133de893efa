// Launches Debian's Chromium (never a browser that Playwright would download) as a process of our own,
// with a fresh profile, and drives it over the DevTools protocol with playwright-core. Every browser is
// stopped by its own process id (and process group); a reaper kills it if this test process dies first.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** The Chromium binary: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for headless WebRTC on a loopback-only machine with fake camera, microphone and screen. */
export const CHROMIUM_FLAGS = Object.freeze([
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--auto-select-desktop-capture-source=Entire screen',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  '--mute-audio',
  '--hide-scrollbars',
]);

const running = new Set();
function killAllSync() {
  for (const pid of running) killGroup(pid);
  running.clear();
}
process.on('exit', killAllSync);

function killGroup(pid, signal = 'SIGKILL') {
  try {
    process.kill(-pid, signal); // the browser was started as the leader of its own process group
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Starts one Chromium with its own profile directory and connects to it. Resolves with
 * `{ pid, browser, context, newPage({ viewport, isolated, mobile }), close() }`.
 */
export async function launchBrowser({ name = 'browser', extraFlags = [] } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  const profile = mkdtempSync(join(tmpdir(), `demo-${name}-`));
  const args = [...CHROMIUM_FLAGS, ...extraFlags, `--user-data-dir=${profile}`, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', 'about:blank'];
  const proc = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  running.add(proc.pid);
  const reaper = spawn(process.execPath, [resolve(here, '../../conformance/lib/reaper.cjs'), String(process.pid), String(proc.pid)], {
    stdio: 'ignore',
    detached: true,
  });
  reaper.unref();

  let output = '';
  const exited = new Promise((resolveExit) => proc.on('exit', (code, signal) => {
    running.delete(proc.pid);
    resolveExit({ code, signal });
  }));
  const endpoint = await new Promise((resolveEndpoint, rejectEndpoint) => {
    const timer = setTimeout(() => rejectEndpoint(new Error(`chromium: no DevTools endpoint within ${START_TIMEOUT_MS} ms\n${output.slice(-4000)}`)), START_TIMEOUT_MS);
    proc.stderr.on('data', (chunk) => {
      output += chunk.toString();
      if (output.length > 100_000) output = output.slice(-50_000);
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveEndpoint(match[1]);
      }
    });
    proc.on('error', (error) => {
      clearTimeout(timer);
      rejectEndpoint(error);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rejectEndpoint(new Error(`chromium exited before it was ready (code=${code} signal=${signal})\n${output.slice(-4000)}`));
    });
  }).catch((error) => {
    killGroup(proc.pid);
    rmSync(profile, { recursive: true, force: true });
    throw error;
  });

  const browser = await chromium.connectOverCDP(endpoint, { timeout: START_TIMEOUT_MS });
  const context = browser.contexts()[0];
  let closed = false;
  return {
    name,
    pid: proc.pid,
    browser,
    context,
    output: () => output,
    /** A new tab with the given viewport; console errors and page errors are collected in `page.logs`. */
    async newPage({ viewport = { width: 1280, height: 800 }, isolated = false, mobile = false } = {}) {
      // `isolated`: a page in a context of its own (its own storage), like a separate user
      const target = isolated || mobile
        ? await browser.newContext({ viewport, ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) })
        : context;
      const page = await target.newPage();
      if (target === context) await page.setViewportSize(viewport);
      page.logs = [];
      page.on('console', (message) => page.logs.push(`[${message.type()}] ${message.text()} ${message.location()?.url ?? ''}`));
      page.on('pageerror', (error) => page.logs.push(`[pageerror] ${error.message}`));
      return page;
    },
    async close() {
      if (closed) return;
      closed = true;
      await browser.close().catch(() => {});
      killGroup(proc.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(proc.pid), 3_000);
      await exited;
      clearTimeout(timer);
      killGroup(proc.pid); // any helper process left in the group
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
