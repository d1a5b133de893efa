// A dropped transport: socket.io-client reconnects by itself and the page re-sends join-room on connect.
// With connection state recovery the server keeps the seat (same socket id, missed events replayed);
// without it the page takes a new seat and offers to everyone again. Either way the call goes on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startNode } from '../../conformance/lib/server.js';
import { launchBrowser } from '../lib/browser.js';
import { join, openDemo, randomRoomCode, tile, waitForPeers } from '../lib/meeting.js';

let node;
let browser;
let ana;
let ben;
let anaId;
let benId;

before(async () => {
  node = await startNode({ ROOMS_AUTO_CREATE: 'true' });
  browser = await launchBrowser({ name: 'reconnect' });
  ana = await browser.newPage({ isolated: true });
  ben = await browser.newPage({ isolated: true });
  await openDemo(ana, node);
  await openDemo(ben, node);
  const code = randomRoomCode();
  anaId = await join(ana, { name: 'Ana', code });
  benId = await join(ben, { name: 'Ben', code });
  await waitForPeers(ana, [benId]);
  await waitForPeers(ben, [anaId]);
});

after(async () => {
  await browser?.close();
  await node?.stop(3_000);
});

test('a dropped transport: the page reconnects and rejoins by itself, the call and the chat go on', async () => {
  // cut Ben's transport the way a network drop does (no Socket.IO disconnect packet)
  await ben.evaluate(() => window.demo.socket.io.engine.close());
  await ben.waitForFunction(() => document.querySelector('[data-testid="connection-status"]').dataset.status === 'reconnecting', null, { timeout: 5_000 });
  await ana.getByTestId('chat-button').click();
  await ana.getByTestId('chat-input').fill('Sent while Ben was away');
  await ana.getByTestId('chat-input').press('Enter');

  await ben.waitForFunction(() => window.demo.socket?.connected && document.querySelector('[data-testid="connection-status"]').dataset.status === 'connected', null, { timeout: 15_000 });
  await ben.waitForFunction(() => document.body.dataset.phase === 'joined' && window.demo.state.myId === window.demo.socket.id, null, { timeout: 10_000 });
  const { recovered, id } = await ben.evaluate(() => ({ recovered: window.demo.socket.recovered === true, id: window.demo.socket.id }));
  if (recovered) {
    // connection state recovery (PROTOCOL §9): same seat, missed events replayed, nobody saw a leave
    assert.equal(id, benId, 'a recovered session keeps its socket id');
    assert.deepEqual((await ana.getByTestId('toast').allInnerTexts()).filter((t) => /Ben (left|lost)/.test(t)), []);
  } else {
    // a new session: Ben took a new seat and offered to everyone again
    assert.notEqual(id, benId);
    await tile(ana, benId).waitFor({ state: 'detached', timeout: 10_000 });
  }
  console.log(`# ben reconnected ${recovered ? 'with' : 'without'} connection state recovery`);
  benId = id;

  // the message sent during the outage shows exactly once (replayed, or from the room's history)
  await ben.getByTestId('chat-log').getByText('Sent while Ben was away').waitFor({ state: 'attached', timeout: 10_000 });
  assert.equal(await ben.getByTestId('chat-log').getByText('Sent while Ben was away').count(), 1, 'delivered once');

  // one tile for Ben on Ana's page, and media flows again both ways
  await waitForPeers(ana, [benId], 20_000);
  await waitForPeers(ben, [anaId], 20_000);
  assert.equal(await ana.locator('[data-testid="video-grid"] .tile:not(.local)').count(), 1);

  // and signaling works again: a mute after the reconnection reaches Ana
  await ben.getByTestId('mic-button').click();
  await tile(ana, benId).and(ana.locator('[data-muted="true"]')).waitFor({ timeout: 10_000 });
});

test('leaving removes the listeners: nothing reconnects the page into the room', async () => {
  await ben.getByTestId('leave-button').click();
  await ben.getByTestId('lobby').waitFor({ state: 'visible', timeout: 5_000 });
  assert.equal(await ben.evaluate(() => window.demo.socket), null);
  await tile(ana, benId).waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await ana.evaluate((id) => window.demo.peers.has(id), benId), false, 'the peer connection was closed');
  await ben.waitForTimeout(2_000);
  assert.equal(await ben.evaluate(() => document.body.dataset.phase), 'idle');
});

test('a server that cannot be reached: the page says so and the join can be cancelled', async () => {
  const page = await browser.newPage({ isolated: true });
  await openDemo(page, node);
  // every Socket.IO request and WebSocket of this page fails, as when the server is down
  await page.getByTestId('display-name').fill('Cy');
  await page.getByTestId('room-code-input').fill(randomRoomCode());
  await page.route('**/socket.io/**', (route) => route.abort('connectionrefused'));
  await page.routeWebSocket('**/socket.io/**', (ws) => ws.close());
  await page.getByTestId('join-button').click();
  await page.getByTestId('toast').filter({ hasText: 'Cannot reach the server' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('join-button').innerText(), 'Cancel');
  await page.getByTestId('join-button').click();
  await page.waitForFunction(() => document.body.dataset.phase === 'idle' && window.demo.socket === null, null, { timeout: 5_000 });
  assert.equal(await page.getByTestId('join-button').innerText(), 'Join');
});
