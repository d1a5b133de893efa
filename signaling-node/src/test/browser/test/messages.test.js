// What the user is told: every refusal reaches the page as a clear message (lobby banner or toast).
// One node (rooms are not created on the fly here), plus one that admits no guests.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { claims, newUser, signHs256 } from '../../conformance/lib/jwt.js';
import { createRoom } from '../../conformance/lib/rest.js';
import { startNode } from '../../conformance/lib/server.js';
import { launchBrowser } from '../lib/browser.js';
import {
  bannerText, fillAndJoin, join, openDemo, randomRoomCode, setToken, tile, waitForPhase,
} from '../lib/meeting.js';

let node;
let noGuestsNode;
let browser;
let opened = [];

before(async () => {
  node = await startNode({});
  noGuestsNode = await startNode({ ALLOW_GUESTS: 'false' });
  browser = await launchBrowser({ name: 'messages' });
});

afterEach(async () => {
  // every page of a test is closed after it (fake cameras and peer connections cost CPU)
  const pages = opened;
  opened = [];
  const errors = pages.flatMap((page) => page.logs.filter((line) => line.startsWith('[pageerror]')));
  await Promise.all(pages.map((page) => page.context().close().catch(() => {})));
  assert.deepEqual(errors, [], 'the pages logged no script errors');
});

after(async () => {
  await browser?.close();
  await Promise.all([node?.stop(3_000), noGuestsNode?.stop(3_000)]);
});

/** A page of its own (separate storage, like another person's browser) on `on`'s demo page. */
async function person(on = node) {
  const page = await browser.newPage({ isolated: true });
  await openDemo(page, on);
  opened.push(page);
  return page;
}

async function toast(page, text, timeout = 10_000) {
  const found = page.getByTestId('toast').filter({ hasText: text });
  await found.first().waitFor({ timeout });
  return (await found.first().innerText()).replace(/\s+/g, ' ');
}

/** The host page: creates a room with the "Create room" button (REST) and joins it. */
async function hostWithNewRoom({ waitingRoom = false } = {}) {
  const page = await person();
  const user = newUser('Hana Host');
  await page.getByTestId('display-name').fill('Hana');
  await setToken(page, user.token);
  if (waitingRoom) await page.getByTestId('waiting-room-create').check();
  await page.getByTestId('create-room').click();
  assert.match(await bannerText(page), /created/);
  const code = await page.getByTestId('room-code-input').inputValue();
  assert.match(code, /^[a-z]{3}-[a-z]{3}-[a-z]{3}$/);
  const id = await join(page, { name: 'Hana', code, token: user.token });
  assert.equal(await page.evaluate(() => window.demo.state.isHost), true);
  return { page, user, code, id };
}

test('every message of the protocol has its own text', async () => {
  const page = await person();
  const texts = await page.evaluate(() => {
    const { explain } = window.demo;
    const join = ['Room not found', 'Room is locked', 'Room is full', 'Room is no longer active', 'Removed by host', 'Denied by host', 'Invalid room code']
      .map((m) => [m, explain.join(m)]);
    const force = ['Removed by host', 'Meeting ended by host', 'Joined from another connection', 'Rate limit exceeded']
      .map((r) => [r, explain.forceDisconnect(r)]);
    const codes = ['AUTH_FAILED', 'DISPLAY_NAME_REQUIRED', 'INVALID_PAYLOAD', 'GUESTS_NOT_ALLOWED', 'UNAVAILABLE', 'NOT_IN_ROOM',
      'TARGET_NOT_FOUND', 'FORBIDDEN', 'NOT_ALLOWED', 'RATE_LIMITED', 'JOIN_FAILED', 'INTERNAL'].map((c) => [c, explain.code(c, '')]);
    const unknown = explain.code('SOMETHING_NEW', '');
    return { join, force, codes, unknown };
  });
  for (const [message, { title, text }] of texts.join) {
    assert.equal(title, message);
    assert.notEqual(text, message, `${message} has an explanation`);
  }
  for (const [reason, { title, text }] of texts.force) {
    assert.equal(title, reason);
    assert.ok(text.length > 20, `${reason} has an explanation`);
  }
  const titles = new Set();
  for (const [code, { title, text }] of texts.codes) {
    assert.notEqual(title, texts.unknown.title, `${code} has a title of its own`);
    assert.ok(text.length > 10, `${code} has an explanation`);
    titles.add(title);
  }
  assert.equal(titles.size, texts.codes.length, 'no two codes share a title');
  assert.equal(await page.evaluate(() => window.demo.explain.code('INTERNAL', 'c0ffee').detail), 'Reference: c0ffee');
});

test('a text that cannot be a room code shows "Invalid room code"', async () => {
  const page = await person();
  await fillAndJoin(page, { name: 'Dana', code: 'no!' });
  const text = await bannerText(page);
  assert.match(text, /Invalid room code/);
  assert.match(text, /3–32 letters, digits or hyphens/);
  assert.equal(await page.evaluate(() => document.body.dataset.phase), 'idle');
});

test('an unknown room code shows "Room not found"', async () => {
  const page = await person();
  await fillAndJoin(page, { name: 'Dana', code: randomRoomCode() });
  assert.match(await bannerText(page), /Room not found.*create a new room/);
});

test('a guest without a name is asked for one before anything is sent', async () => {
  const page = await person();
  await fillAndJoin(page, { name: '   ', code: randomRoomCode() });
  assert.match(await bannerText(page), /Display name required/);
  assert.equal(await page.evaluate(() => window.demo.socket), null);
});

test('a token without a name and no display name: the server asks for a name (DISPLAY_NAME_REQUIRED)', async () => {
  const page = await person();
  const token = signHs256(claims({ sub: `nameless-${Date.now()}` }));
  await fillAndJoin(page, { name: '', code: randomRoomCode(), token });
  assert.match(await bannerText(page), /Display name required/);
  assert.equal(await page.evaluate(() => window.demo.state.lastError.code), 'DISPLAY_NAME_REQUIRED');
});

test('a bad token shows "Sign-in failed" (AUTH_FAILED)', async () => {
  const page = await person();
  await fillAndJoin(page, { name: 'Eve', code: randomRoomCode(), token: signHs256(claims({ sub: 'eve' }), 'another-secret-0123456789abcdef-0123456789') });
  const text = await bannerText(page);
  assert.match(text, /Sign-in failed/);
  assert.match(text, /invalid, expired or signed with another secret/);
});

test('a node that admits no guests says so (GUESTS_NOT_ALLOWED)', async () => {
  const page = await person(noGuestsNode);
  await fillAndJoin(page, { name: 'Gus', code: randomRoomCode() });
  const text = await bannerText(page);
  assert.match(text, /Guests not allowed/);
  assert.match(text, /paste a dev token/);
});

test('Create room without a token asks for one', async () => {
  const page = await person();
  await page.locator('[data-testid="auth-details"] summary').click();
  await page.getByTestId('create-room').click();
  assert.match(await bannerText(page), /Dev token required/);
});

test('a locked room refuses with "Room is locked"; a guest who tries a host control is told "Only the host can do that"; removal is explained', async () => {
  const host = await hostWithNewRoom();
  await host.page.getByTestId('people-button').click();
  await host.page.getByTestId('lock-button').click();
  await host.page.getByTestId('locked-badge').waitFor({ state: 'visible', timeout: 5_000 });

  const guest = await person();
  await fillAndJoin(guest, { name: 'Gina', code: host.code });
  const locked = await bannerText(guest);
  assert.match(locked, /Room is locked/);
  assert.match(locked, /Ask them to unlock it/);

  await host.page.getByTestId('lock-button').click();
  await host.page.getByTestId('locked-badge').waitFor({ state: 'hidden', timeout: 5_000 });
  const guestId = await join(guest, { name: 'Gina', code: host.code });

  // the page offers no host controls to a guest; the server refuses them anyway
  assert.equal(await guest.getByTestId('host-controls').isVisible(), false);
  await guest.evaluate(() => window.demo.socket.emit('lock-room', { roomId: window.demo.state.roomId, locked: true }));
  assert.match(await toast(guest, 'Only the host can do that'), /reserved for the meeting host/);
  // refusals without an ack callback produce at most one error event a second per socket (PROTOCOL.md §7)
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await guest.evaluate(() => window.demo.socket.emit('chat-message', { roomId: 'not-this-room', content: 'x' }));
  assert.match(await toast(guest, 'Not in the meeting'), /no longer seated/);

  // the host locks again: the guest sees it
  await host.page.getByTestId('lock-button').click();
  assert.match(await toast(guest, 'The host locked the meeting'), /Nobody else can join/);
  await guest.getByTestId('locked-badge').waitFor({ state: 'visible', timeout: 5_000 });

  // mute from the host's people list: the guest is told and its microphone is off
  await host.page.locator(`[data-testid="person"][data-socket-id="${guestId}"]`).getByTestId('person-mute').click();
  await toast(guest, 'The host muted you');
  assert.equal(await guest.evaluate(() => window.demo.state.audioEnabled), false);
  assert.equal(await guest.getByTestId('mic-button').getAttribute('aria-pressed'), 'true');

  await tile(host.page, guestId).getByTestId('host-remove').click();
  const removed = await bannerText(guest);
  assert.match(removed, /Removed by host/);
  assert.match(removed, /cannot rejoin/);
});

test('waiting room: the joiner waits, a denial is explained, an admission seats', async () => {
  const host = await hostWithNewRoom({ waitingRoom: true });

  const denied = await person();
  await fillAndJoin(denied, { name: 'Dan', code: host.code });
  await waitForPhase(denied, 'waiting');
  assert.match(await denied.getByTestId('waiting-screen').innerText(), /Waiting for the host/);
  await toast(host.page, 'Dan is waiting to join');
  await host.page.getByTestId('toast-deny').click();
  const text = await bannerText(denied);
  assert.match(text, /Denied by host/);
  assert.match(text, /declined your request/);

  const admitted = await person();
  await fillAndJoin(admitted, { name: 'Ada', code: host.code });
  await waitForPhase(admitted, 'waiting');
  await host.page.getByTestId('people-button').click();
  await host.page.getByTestId('waiting-person').filter({ hasText: 'Ada' }).getByTestId('admit-button').click();
  await waitForPhase(admitted, 'joined');
  const adaId = await admitted.evaluate(() => window.demo.state.myId);
  await tile(host.page, adaId).waitFor({ timeout: 10_000 });
  await host.page.getByTestId('waiting-section').waitFor({ state: 'hidden', timeout: 5_000 });

  // a waiting joiner who gives up disappears from the host's list
  const quitter = await person();
  await fillAndJoin(quitter, { name: 'Quinn', code: host.code });
  await waitForPhase(quitter, 'waiting');
  await host.page.getByTestId('waiting-person').filter({ hasText: 'Quinn' }).waitFor({ timeout: 10_000 });
  await quitter.getByTestId('waiting-screen').getByRole('button', { name: 'Cancel' }).click();
  await host.page.getByTestId('waiting-person').filter({ hasText: 'Quinn' }).waitFor({ state: 'detached', timeout: 10_000 });

  // the host turns the waiting room off (PATCH /api/rooms/{id}/settings): the next joiner comes straight in
  await host.page.getByTestId('waiting-room-toggle').uncheck();
  await toast(host.page, 'Waiting room off');
  assert.equal(await host.page.getByTestId('waiting-room-toggle').isChecked(), false);
  const direct = await person();
  await join(direct, { name: 'Del', code: host.code });
  assert.equal(await direct.evaluate(() => window.demo.state.settings.waitingRoom), false);
});

test('joining as the same user elsewhere shows "Joined from another connection" on the first page', async () => {
  const host = await hostWithNewRoom();
  const second = await person();
  await join(second, { name: 'Hana', code: host.code, token: host.user.token });
  const text = await bannerText(host.page);
  assert.match(text, /Joined from another connection/);
  assert.match(text, /another tab or device/);
  assert.equal(await second.evaluate(() => window.demo.state.isHost), true, 'host status follows the user');
});

test('a full room refuses with "Room is full"', async () => {
  const owner = newUser('Fay');
  const room = await createRoom(node, owner, { maxParticipants: 2 });
  const host = await person();
  await join(host, { name: 'Fay', code: room.code, token: owner.token });
  const first = await person();
  await join(first, { name: 'Finn', code: room.code });
  const late = await person();
  await fillAndJoin(late, { name: 'Flo', code: room.code });
  assert.match(await bannerText(late), /Room is full.*participant limit/);
});

test('ending the meeting: guests read "Meeting ended by host", later joins "Room is no longer active"', async () => {
  const host = await hostWithNewRoom();
  const guest = await person();
  await join(guest, { name: 'Gil', code: host.code });
  await host.page.getByTestId('people-button').click();
  await host.page.getByTestId('end-button').click();
  assert.match(await host.page.getByTestId('end-button').innerText(), /Click again/);
  await host.page.getByTestId('end-button').click();
  const guestText = await bannerText(guest);
  assert.match(guestText, /Meeting ended by host/);
  assert.match(await bannerText(host.page), /You ended the meeting/);
  await fillAndJoin(guest, { name: 'Gil', code: host.code });
  await guest.waitForFunction(() => /no longer active/.test(document.querySelector('[data-testid="banner"]').innerText), null, { timeout: 10_000 });
  assert.match(await bannerText(guest), /Room is no longer active.*has ended/);
});
