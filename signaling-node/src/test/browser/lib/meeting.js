// Helpers that drive the demo page (/demo) the way a user does, plus read-only looks at its test hooks
// (window.demo, data-testid attributes).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** signaling-node/target/browser-artifacts: screenshots and logs of the last run. */
export const ARTIFACTS = resolve(here, '../../../../target/browser-artifacts');
/** The repository's docs/ folder (a screenshot of the three-party call is kept there). */
export const DOCS = resolve(here, '../../../../../docs');

export function artifactPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return resolve(ARTIFACTS, name);
}

/** A room code nobody else uses: three groups of three letters. */
export function randomRoomCode() {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const group = () => Array.from({ length: 3 }, () => letters[Math.floor(Math.random() * 26)]).join('');
  return `${group()}-${group()}-${group()}`;
}

/** Opens the demo page of `node` and waits until its script has run. */
export async function openDemo(page, node, query = '') {
  await page.goto(`${node.url}/demo/${query}`, { waitUntil: 'load', timeout: 15_000 });
  await page.waitForFunction(() => typeof window.demo === 'object' && typeof window.io === 'function', null, { timeout: 10_000 });
}

/** Fills the lobby form and presses Join (`token` opens the dev-token section; no token clears it). */
export async function fillAndJoin(page, { name = '', code = '', token = '' } = {}) {
  await page.getByTestId('display-name').fill(name);
  await page.getByTestId('room-code-input').fill(code);
  await setToken(page, token);
  await page.getByTestId('join-button').click();
}

/** Types `token` into the dev-token field, opening its section when needed. */
export async function setToken(page, token) {
  const details = page.getByTestId('auth-details');
  const open = await details.evaluate((d) => d.open);
  const current = await page.getByTestId('token-input').inputValue();
  if (!token && !current) return;
  if (!open) await details.locator('summary').click();
  await page.getByTestId('token-input').fill(token);
}

/** Joins and waits until the page shows the meeting; resolves with the page's socket id. */
export async function join(page, options, timeoutMs = 15_000) {
  await fillAndJoin(page, options);
  await waitForPhase(page, 'joined', timeoutMs);
  return page.evaluate(() => window.demo.state.myId);
}

export async function waitForPhase(page, phase, timeoutMs = 15_000) {
  try {
    await page.waitForFunction((p) => document.body.dataset.phase === p, phase, { timeout: timeoutMs });
  } catch (error) {
    const now = await page.evaluate(() => ({ phase: document.body.dataset.phase, lastError: window.demo.state.lastError })).catch(() => ({}));
    error.message = `page never reached phase ${phase} (now ${JSON.stringify(now)}): ${error.message}\n${(page.logs ?? []).slice(-20).join('\n')}`;
    throw error;
  }
}

/** Waits until this page's RTCPeerConnection to each of `ids` is "connected" and its data channel open. */
export async function waitForPeers(page, ids, timeoutMs = 30_000) {
  try {
    await page.waitForFunction(
      (wanted) => wanted.every((id) => {
        const peer = window.demo.peers.get(id);
        return peer && peer.pc.connectionState === 'connected' && peer.p2pOpen;
      }),
      ids,
      { timeout: timeoutMs, polling: 200 },
    );
  } catch (error) {
    error.message = `peers not connected: ${JSON.stringify(await peerStates(page).catch(() => null))}: ${error.message}`;
    throw error;
  }
}

export function peerStates(page) {
  return page.evaluate(() => Object.fromEntries([...window.demo.peers].map(([id, p]) => [id, {
    connection: p.pc.connectionState,
    ice: p.pc.iceConnectionState,
    signaling: p.pc.signalingState,
    channel: p.channel?.readyState,
    received: p.p2pReceived.map((m) => m.type),
  }])));
}

/** Waits until every remote tile of the page plays video (videoWidth > 0) and returns how many there are. */
export async function waitForRemoteVideo(page, count, timeoutMs = 30_000) {
  await page.waitForFunction(
    (n) => {
      const videos = [...document.querySelectorAll('[data-testid="video-grid"] .tile:not(.local) video')];
      return videos.length === n && videos.every((v) => v.videoWidth > 0 && !v.paused && v.readyState >= 2);
    },
    count,
    { timeout: timeoutMs, polling: 250 },
  );
}

/** The text of the lobby banner (title and explanation), once it is shown. */
export async function bannerText(page, timeoutMs = 10_000) {
  const banner = page.getByTestId('banner');
  await banner.waitFor({ state: 'visible', timeout: timeoutMs });
  return (await banner.innerText()).replace(/\s+/g, ' ').trim();
}

/** Every toast's text currently shown, newest last. */
export async function toastTexts(page) {
  return page.getByTestId('toast').evaluateAll((nodes) => nodes.map((n) => n.innerText.replace(/\s+/g, ' ').trim()));
}

export const tile = (page, socketId) => page.locator(`[data-testid="video-grid"] .tile[data-socket-id="${socketId}"]`);

/** Lists visible elements that stick out of the viewport horizontally (empty when nothing overflows). */
export function horizontalOverflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > width + 1) out.push(`document scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
    for (const node of document.body.querySelectorAll('*')) {
      if (node.closest('svg') && node.tagName.toLowerCase() !== 'svg') continue;
      const rect = node.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const style = getComputedStyle(node);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      if (rect.left < -1 || rect.right > width + 1) {
        out.push(`${node.tagName.toLowerCase()}${node.dataset.testid ? `[data-testid=${node.dataset.testid}]` : ''}.${node.className?.baseVal ?? node.className} ${Math.round(rect.left)}..${Math.round(rect.right)}`);
      }
    }
    return out;
  });
}

/**
 * Asserts that `locator` is fully inside the viewport and that a tap on its centre reaches it (nothing
 * covers it). Resolves with its bounding box.
 */
export async function assertReachable(page, locator, what) {
  await locator.waitFor({ state: 'visible', timeout: 5_000 });
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  if (!box || box.x < -0.5 || box.y < -0.5 || box.x + box.width > viewport.width + 0.5 || box.y + box.height > viewport.height + 0.5) {
    throw new Error(`${what}: not inside the ${viewport.width}x${viewport.height} viewport: ${JSON.stringify(box)}`);
  }
  const hit = await locator.evaluate((node) => {
    const rect = node.getBoundingClientRect();
    const top = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    return top === node || node.contains(top) ? null : (top ? `${top.tagName.toLowerCase()}.${top.className?.baseVal ?? top.className}` : 'nothing');
  });
  if (hit) throw new Error(`${what}: covered by ${hit}`);
  return box;
}
