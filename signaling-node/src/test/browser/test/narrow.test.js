// The page on a phone-sized screen (390x844, touch, 2x pixels): nothing sticks out sideways, every
// control can be reached, the chat and people panels fit. Screenshots land in target/browser-artifacts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newUser } from '../../conformance/lib/jwt.js';
import { startNode } from '../../conformance/lib/server.js';
import { launchBrowser } from '../lib/browser.js';
import {
  artifactPath, assertReachable, horizontalOverflow, join, openDemo, randomRoomCode, tile, waitForPeers, waitForRemoteVideo,
} from '../lib/meeting.js';

const PHONE = { width: 390, height: 844 };

let node;
let phoneBrowser;
let desktopBrowser;
let phone;
let desktop;
let phoneId;
let desktopId;

before(async () => {
  node = await startNode({ ROOMS_AUTO_CREATE: 'true' });
  phoneBrowser = await launchBrowser({ name: 'phone' });
  desktopBrowser = await launchBrowser({ name: 'desktop' });
  phone = await phoneBrowser.newPage({ viewport: PHONE, mobile: true });
  desktop = await desktopBrowser.newPage({ viewport: { width: 1280, height: 800 } });
  await openDemo(phone, node);
  await openDemo(desktop, node);
});

after(async () => {
  await Promise.all([phoneBrowser?.close(), desktopBrowser?.close()]);
  await node?.stop(3_000);
});

async function assertNoOverflow(what) {
  assert.deepEqual(await horizontalOverflow(phone), [], `${what}: elements outside the ${PHONE.width} px width`);
}

test('the lobby fits a phone screen', async () => {
  await assertNoOverflow('lobby');
  await assertReachable(phone, phone.getByTestId('display-name'), 'name field');
  await assertReachable(phone, phone.getByTestId('room-code-input'), 'room code field');
  await phone.locator('[data-testid="auth-details"] summary').click();
  await assertReachable(phone, phone.getByTestId('create-room'), 'create room button');
  await assertReachable(phone, phone.getByTestId('join-button'), 'join button');
  await assertNoOverflow('lobby with the token section open');
  await phone.screenshot({ path: artifactPath('narrow-lobby.png') });
});

test('a two-party call on a phone: no horizontal overflow, every control reachable', async () => {
  const code = randomRoomCode();
  phoneId = await join(phone, { name: 'Priya', code, token: newUser('Priya').token });
  desktopId = await join(desktop, { name: 'Dev on a laptop', code });
  await waitForPeers(phone, [desktopId]);
  await waitForRemoteVideo(phone, 1);
  await waitForRemoteVideo(desktop, 1);
  // the "joined" notice fades by itself
  await phone.waitForFunction(() => !document.querySelector('[data-testid="toast"]'), null, { timeout: 10_000 });
  await assertNoOverflow('call');
  for (const id of ['mic-button', 'camera-button', 'screen-button', 'hand-button', 'chat-button', 'people-button', 'leave-button']) {
    const box = await assertReachable(phone, phone.getByTestId(id), id);
    assert.ok(box.width >= 40 && box.height >= 40, `${id} is a comfortable touch target (${box.width}x${box.height})`);
  }
  const tiles = await phone.locator('[data-testid="video-grid"] .tile').all();
  assert.equal(tiles.length, 2);
  for (const t of tiles) await assertReachable(phone, t, 'video tile');
  // the host's per-participant actions on the guest's tile
  await assertReachable(phone, tile(phone, desktopId).getByTestId('host-mute'), 'host mute on the tile');
  await assertReachable(phone, tile(phone, desktopId).getByTestId('host-remove'), 'host remove on the tile');
  await phone.screenshot({ path: artifactPath('narrow-call.png') });
  await desktop.screenshot({ path: artifactPath('desktop-two-party.png') });
});

test('the chat panel covers the stage on a phone and can be closed again', async () => {
  await phone.getByTestId('chat-button').tap();
  await assertReachable(phone, phone.getByTestId('chat-input'), 'chat input');
  await assertReachable(phone, phone.getByTestId('close-sidebar'), 'close button');
  await assertReachable(phone, phone.getByTestId('leave-button'), 'leave button with the panel open');
  await phone.getByTestId('chat-input').fill('Sent from a phone');
  await phone.getByTestId('chat-send').tap();
  await desktop.getByTestId('chat-log').getByText('Sent from a phone').waitFor({ state: 'attached', timeout: 10_000 });
  await desktop.getByTestId('chat-button').click();
  await desktop.getByTestId('chat-input').fill('A reply long enough to wrap onto a second line on a narrow phone screen, to see that it wraps');
  await desktop.getByTestId('chat-input').press('Enter');
  await phone.getByTestId('chat-log').getByText('A reply long enough').waitFor({ timeout: 10_000 });
  await assertNoOverflow('chat panel');
  await phone.screenshot({ path: artifactPath('narrow-chat.png') });
  await phone.getByTestId('close-sidebar').tap();
  await phone.getByTestId('sidebar').waitFor({ state: 'hidden', timeout: 5_000 });
});

test('the people panel with host controls fits a phone', async () => {
  await phone.getByTestId('people-button').tap();
  await assertReachable(phone, phone.getByTestId('person-remove'), 'remove in the people list');
  const lock = phone.getByTestId('lock-button');
  await lock.scrollIntoViewIfNeeded();
  await assertReachable(phone, lock, 'lock button');
  const end = phone.getByTestId('end-button');
  await end.scrollIntoViewIfNeeded();
  await assertReachable(phone, end, 'end meeting button');
  await assertNoOverflow('people panel');
  await phone.screenshot({ path: artifactPath('narrow-people.png') });
  await lock.tap();
  await phone.getByTestId('locked-badge').waitFor({ state: 'visible', timeout: 5_000 });
  await assertNoOverflow('header with the locked badge');
  await phone.getByTestId('close-sidebar').tap();
});

test('leaving on a phone returns to a tidy lobby', async () => {
  await phone.getByTestId('leave-button').tap();
  await phone.getByTestId('lobby').waitFor({ state: 'visible', timeout: 5_000 });
  await assertNoOverflow('lobby after leaving');
  assert.match(await phone.getByTestId('banner').innerText(), /You left the meeting/);
  await desktop.waitForFunction((id) => !window.demo.peers.has(id), phoneId, { timeout: 10_000 });
});
