// A three-party call across three nodes of one cluster: each page is served by a different node, so
// every offer, answer, ICE candidate, chat message and host command crosses Redis.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { newUser } from '../../conformance/lib/jwt.js';
import { randomPrefix, startRedis } from '../../conformance/lib/redis.js';
import { startNode } from '../../conformance/lib/server.js';
import { launchBrowser } from '../lib/browser.js';
import {
  DOCS, artifactPath, bannerText, join, openDemo, peerStates, randomRoomCode, tile, waitForPeers, waitForRemoteVideo,
} from '../lib/meeting.js';

const VIEWPORT = { width: 1280, height: 800 };
const names = ['Alice', 'Bob', 'Carol'];

let redis;
const nodes = [];
const browsers = [];
const pages = [];
const ids = [];

before(async () => {
  redis = await startRedis();
  const prefix = randomPrefix();
  // one after another: each JVM start takes most of the machine for a moment
  for (let i = 1; i <= 3; i++) {
    nodes.push(await startNode({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, NODE_ID: `browser-${i}`, ROOMS_AUTO_CREATE: 'true' }));
  }
  for (const name of names) browsers.push(await launchBrowser({ name: name.toLowerCase() }));
  for (let i = 0; i < 3; i++) {
    const page = await browsers[i].newPage({ viewport: VIEWPORT });
    await openDemo(page, nodes[i]);
    pages.push(page);
  }
});

after(async () => {
  await Promise.all(browsers.map((browser) => browser.close()));
  await Promise.all(nodes.map((node) => node.stop(3_000)));
  await redis?.close();
});

const others = (i) => [0, 1, 2].filter((j) => j !== i);

test('three pages on three nodes join one room: the host with a dev token, two guests', async () => {
  const code = randomRoomCode();
  const host = newUser('Alice');
  ids[0] = await join(pages[0], { name: 'Alice', code, token: host.token });
  ids[1] = await join(pages[1], { name: 'Bob', code });
  ids[2] = await join(pages[2], { name: 'Carol', code });
  assert.equal(await pages[0].evaluate(() => window.demo.state.isHost), true, 'the page with the token is host');
  for (const i of [1, 2]) assert.equal(await pages[i].evaluate(() => window.demo.state.isHost), false);
  assert.equal(new Set(ids).size, 3);
});

test('every page reaches RTCPeerConnection "connected" with each of the others', async () => {
  await Promise.all(pages.map((page, i) => waitForPeers(page, others(i).map((j) => ids[j]), 45_000)));
  for (const [i, page] of pages.entries()) {
    const states = await peerStates(page);
    assert.deepEqual(Object.keys(states).sort(), others(i).map((j) => ids[j]).sort(), `page ${i + 1} has one peer per other participant`);
    for (const state of Object.values(states)) assert.equal(state.connection, 'connected');
  }
});

test('every page exchanges data-channel messages with each of the others', async () => {
  for (const [i, page] of pages.entries()) {
    for (const j of others(i)) {
      // the hello each side sends when the "chat-p2p" channel opens
      await page.waitForFunction(
        ([peerId, fromId]) => window.demo.peers.get(peerId)?.p2pReceived.some((m) => m.type === 'hello' && m.from === fromId),
        [ids[j], ids[j]],
        { timeout: 10_000 },
      );
      // and a round trip started here
      const ms = await page.evaluate((peerId) => window.demo.p2pPing(peerId), ids[j]);
      assert.ok(ms >= 0, `ping from page ${i + 1} to page ${j + 1}`);
    }
  }
});

test('every page shows the video of both others', async () => {
  await Promise.all(pages.map((page) => waitForRemoteVideo(page, 2, 30_000)));
});

test('a chat message from page 2 shows up on pages 1 and 3', async () => {
  const text = 'Hi all, Bob here. Can everyone see me?';
  await pages[1].getByTestId('chat-button').click();
  await pages[1].getByTestId('chat-input').fill(text);
  await pages[1].getByTestId('chat-input').press('Enter');
  for (const i of [0, 2]) {
    await pages[i].getByTestId('chat-log').getByText(text).waitFor({ state: 'attached', timeout: 10_000 });
    const unread = await pages[i].getByTestId('chat-unread').innerText();
    assert.equal(unread, '1', `page ${i + 1} counts the message as unread`);
  }
  await pages[1].getByTestId('chat-log').getByText(text).waitFor({ timeout: 5_000 });
});

test('typing on page 1 shows "is typing" on pages 2 and 3', async () => {
  await pages[0].getByTestId('chat-button').click();
  await pages[0].getByTestId('chat-input').pressSequentially('Loud and clear, welcome!', { delay: 15 });
  for (const i of [1, 2]) {
    await pages[i].waitForFunction(() => document.querySelector('[data-testid="typing-indicator"]').textContent.includes('Alice is typing'), null, { timeout: 10_000 });
  }
  await pages[0].getByTestId('chat-input').press('Enter');
  for (const i of [1, 2]) {
    await pages[i].waitForFunction(() => document.querySelector('[data-testid="typing-indicator"]').textContent === '', null, { timeout: 10_000 });
  }
});

test('muting on page 3 shows on pages 1 and 2', async () => {
  await pages[2].getByTestId('mic-button').click();
  assert.equal(await pages[2].getByTestId('mic-button').getAttribute('aria-pressed'), 'true');
  assert.equal(await pages[2].evaluate(() => window.demo.state.audioEnabled), false);
  for (const i of [0, 1]) {
    await tile(pages[i], ids[2]).and(pages[i].locator('[data-muted="true"]')).waitFor({ timeout: 10_000 });
    assert.ok(await tile(pages[i], ids[2]).getByTestId('muted-icon').isVisible());
  }
});

test('turning the camera off on page 3 shows its avatar on pages 1 and 2, and on again its video', async () => {
  await pages[2].getByTestId('camera-button').click();
  for (const i of [0, 1]) {
    await tile(pages[i], ids[2]).and(pages[i].locator('[data-video-off="true"]')).waitFor({ timeout: 10_000 });
    assert.ok(await tile(pages[i], ids[2]).locator('.avatar').isVisible(), 'the avatar replaces the video');
  }
  await pages[2].getByTestId('camera-button').click();
  for (const i of [0, 1]) {
    await tile(pages[i], ids[2]).and(pages[i].locator('[data-video-off="false"]')).waitFor({ timeout: 10_000 });
  }
});

test('raising a hand on page 2 shows on pages 1 and 3', async () => {
  await pages[1].getByTestId('hand-button').click();
  for (const i of [0, 2]) {
    await tile(pages[i], ids[1]).and(pages[i].locator('[data-hand="true"]')).waitFor({ timeout: 10_000 });
    assert.ok(await tile(pages[i], ids[1]).getByTestId('hand-badge').isVisible());
  }
});

test('a screenshot of the three-party call shows all three videos', async () => {
  // the host's view with the chat open
  await waitForRemoteVideo(pages[0], 2, 15_000);
  for (const page of pages) {
    // the user closes the "joined" / "raised their hand" notices
    for (const button of await page.getByTestId('toast-dismiss').all()) await button.click({ timeout: 1_000 }).catch(() => {}); // may fade first
  }
  await pages[0].waitForTimeout(300); // let the sidebar and grid settle
  const path = artifactPath('three-party-call.png');
  await pages[0].screenshot({ path });
  const docs = resolve(DOCS, 'three-party-call.png');
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1' || !existsSync(docs)) copyFileSync(path, docs);
  for (const [i, page] of pages.entries()) await page.screenshot({ path: artifactPath(`three-party-page${i + 1}.png`) });
});

test('screen sharing on page 2 replaces its video and shows "presenting" on pages 1 and 3', async () => {
  await pages[1].getByTestId('screen-button').click();
  await pages[1].waitForFunction(() => window.demo.state.screenSharing === true, null, { timeout: 10_000 });
  for (const i of [0, 2]) {
    await tile(pages[i], ids[1]).and(pages[i].locator('[data-sharing="true"]')).waitFor({ timeout: 10_000 });
  }
  const sent = await pages[1].evaluate((peerId) => {
    const sender = window.demo.peers.get(peerId).pc.getSenders().find((s) => s.track?.kind === 'video');
    return sender.track.label;
  }, ids[0]);
  assert.match(sent, /screen|window|tab|display/i, `the video sender carries the screen capture (label ${sent})`);
  await pages[1].getByTestId('screen-button').click();
  for (const i of [0, 2]) {
    await tile(pages[i], ids[1]).and(pages[i].locator('[data-sharing="false"]')).waitFor({ timeout: 10_000 });
  }
});

test('the host removes page 3: page 3 shows the removal message, the others drop its tile', async () => {
  await tile(pages[0], ids[2]).getByTestId('host-remove').click();
  const text = await bannerText(pages[2]);
  assert.match(text, /Removed by host/);
  assert.match(text, /cannot rejoin/);
  assert.equal(await pages[2].evaluate(() => document.body.dataset.phase), 'idle');
  assert.equal(await pages[2].evaluate(() => window.demo.peers.size), 0, 'page 3 closed its peer connections');
  for (const i of [0, 1]) {
    await tile(pages[i], ids[2]).waitFor({ state: 'detached', timeout: 10_000 });
    await pages[i].waitForFunction((id) => !window.demo.peers.has(id), ids[2], { timeout: 10_000 });
  }
  // pages 1 and 2 are still connected to each other
  assert.equal(await pages[0].evaluate((id) => window.demo.peers.get(id).pc.connectionState, ids[1]), 'connected');
  // page 3 stays out: no reconnection into the room
  await pages[2].waitForTimeout(1_500);
  assert.equal(await pages[2].evaluate(() => window.demo.socket), null);
});

test('the pages logged no script errors', () => {
  for (const [i, page] of pages.entries()) {
    const errors = page.logs.filter((line) => line.startsWith('[pageerror]'));
    assert.deepEqual(errors, [], `page ${i + 1}`);
  }
});
