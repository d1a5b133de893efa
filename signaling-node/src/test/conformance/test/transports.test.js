// PROTOCOL §1 Transports (websocket, polling, the upgrade) and §2 server-chosen session ids.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk } from '../lib/assertions.js';
import { meeting, seat } from '../lib/fixtures.js';
import { newUser } from '../lib/jwt.js';
import { io } from 'socket.io-client';
import { closeAllPeers, guest } from '../lib/peer.js';
import { openRaw } from '../lib/raw.js';
import { createRoom } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node;

before(async () => {
  node = await startNode({ NODE_ID: 'conf-transports' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

const transportOf = (peer) => peer.socket.io.engine.transport.name;

/** Resolves once the peer's engine runs on websocket (after the polling→websocket upgrade). */
function upgraded(peer, timeout = 5_000) {
  const engine = peer.socket.io.engine;
  if (engine.transport.name === 'websocket') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no upgrade within ${timeout} ms (transport ${engine.transport.name})`)), timeout);
    engine.once('upgrade', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const SDP = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 };

/** Join, offer / answer / ICE in both directions and chat between a host and a guest. */
async function coreMeetingFlow(options) {
  const { room, host, guests } = await meeting(node, { guests: ['Guest'], options });
  const [peer] = guests;
  assertOk(await host.ack('offer', { targetId: peer.id, sdp: SDP }));
  assertHas(await peer.next('offer'), { senderId: host.id, sdp: SDP });
  assertOk(await peer.ack('answer', { targetId: host.id, sdp: { ...SDP, type: 'answer' } }));
  assertHas(await host.next('answer'), { senderId: peer.id, sdp: { ...SDP, type: 'answer' } });
  for (let i = 0; i < 20; i++) {
    host.emit('ice-candidate', { targetId: peer.id, candidate: { ...CANDIDATE, sdpMLineIndex: i } });
    peer.emit('ice-candidate', { targetId: host.id, candidate: { ...CANDIDATE, sdpMLineIndex: i } });
  }
  for (let i = 0; i < 20; i++) {
    assert.equal((await peer.next('ice-candidate')).candidate.sdpMLineIndex, i);
    assert.equal((await host.next('ice-candidate')).candidate.sdpMLineIndex, i);
  }
  const ack = await peer.ack('chat-message', { roomId: room.id, content: 'over the wire' });
  assertOk(ack);
  assert.deepEqual(await host.next('chat-message'), ack.message);
  assert.deepEqual(await peer.next('chat-message'), ack.message);
  return { host, peer };
}

describe('transports', () => {
  test('a meeting works over websocket only', async () => {
    const { host, peer } = await coreMeetingFlow({ transports: ['websocket'] });
    assert.equal(transportOf(host), 'websocket');
    assert.equal(transportOf(peer), 'websocket');
  });

  test('a meeting works over long polling only', async () => {
    const { host, peer } = await coreMeetingFlow({ transports: ['polling'] });
    assert.equal(transportOf(host), 'polling');
    assert.equal(transportOf(peer), 'polling');
  });

  test('a meeting works with the default polling then upgrade', async () => {
    const { host, peer } = await coreMeetingFlow({});
    await upgraded(host);
    await upgraded(peer);
    assert.equal(transportOf(host), 'websocket');
    assert.equal(transportOf(peer), 'websocket');
  });

  test('a polling client and a websocket client talk to each other', async () => {
    const hostUser = newUser('Host');
    const room = await createRoom(node, hostUser);
    const pollingPeer = await guest(node, 'Polling', { transports: ['polling'] });
    const websocketPeer = await guest(node, 'Websocket', { transports: ['websocket'] });
    await pollingPeer.join(room.code);
    await seat(websocketPeer, room.code, [pollingPeer]);
    websocketPeer.emit('chat-message', { roomId: room.id, content: 'ws → polling' });
    assert.equal((await pollingPeer.next('chat-message')).content, 'ws → polling');
    pollingPeer.emit('chat-message', { roomId: room.id, content: 'polling → ws' });
    assert.equal((await websocketPeer.next('chat-message', { where: (d) => d.content === 'polling → ws' })).content, 'polling → ws');
  });

  test('200 of 200 polling-first connections upgrade to websocket and carry events after it', async (t) => {
    const hostUser = newUser('Host');
    const room = await createRoom(node, hostUser, { maxParticipants: 500 });
    const TOTAL = 200;
    const BATCH = 10;
    let upgradedCount = 0;
    let roundTrips = 0;
    const failures = [];

    /** Opens a default (polling first) connection, noting its first transport and its upgrade. */
    async function pollingFirst(n) {
      const socket = io(node.url, { forceNew: true, reconnection: false, auth: { displayName: `Upgrader ${n}` } });
      const seen = { initial: null };
      const upgrade = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no upgrade within 5000 ms')), 5_000);
        socket.io.once('open', () => {
          const engine = socket.io.engine;
          seen.initial = engine.transport.name;
          engine.once('upgrade', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      });
      upgrade.catch(() => {});
      await new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      return { socket, seen, upgrade };
    }

    for (let start = 0; start < TOTAL; start += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, async (_, k) => {
          const n = start + k;
          let socket;
          try {
            const opened = await pollingFirst(n);
            socket = opened.socket;
            assert.equal(opened.seen.initial, 'polling', 'starts on polling');
            await opened.upgrade;
            assert.equal(socket.io.engine.transport.name, 'websocket');
            upgradedCount++;
            const ack = await socket.timeout(3_000).emitWithAck('join-room', { roomCode: room.code });
            assert.equal(ack.success, true, JSON.stringify(ack));
            assert.equal(socket.io.engine.transport.name, 'websocket');
            roundTrips++;
          } catch (error) {
            failures.push(`#${n}: ${error.message}`);
          } finally {
            socket?.disconnect();
          }
        }),
      );
    }
    t.diagnostic(`upgraded ${upgradedCount}/${TOTAL}, round trips after upgrade ${roundTrips}/${TOTAL}`);
    console.log(`# upgrade reliability: upgraded ${upgradedCount}/${TOTAL}, round trips after upgrade ${roundTrips}/${TOTAL}`);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failures`);
    assert.equal(upgradedCount, TOTAL);
    assert.equal(roundTrips, TOTAL);
  });
});

describe('CORS by default', () => {
  test('without CORS_ORIGINS no browser origin is granted', async () => {
    const response = await fetch(`${node.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'https://evil.example.com' },
      signal: AbortSignal.timeout(5_000),
    });
    await response.text();
    const granted = response.headers.get('access-control-allow-origin');
    assert.ok(granted !== '*' && granted !== 'https://evil.example.com', `Access-Control-Allow-Origin: ${granted}`);
  });
});

describe('session ids', () => {
  async function pollingHandshake(headers = {}, query = '') {
    const response = await fetch(`${node.url}/socket.io/?EIO=4&transport=polling${query}`, {
      headers,
      signal: AbortSignal.timeout(5_000),
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  }

  test('the server chooses the session id and ignores one offered in a cookie or header', async () => {
    const offered = randomUUID();
    const response = await pollingHandshake({ cookie: `io=${offered}`, io: offered });
    assert.equal(response.status, 200, response.text);
    assert.ok(response.text.startsWith('0{'), `Engine.IO open packet expected: ${response.text.slice(0, 100)}`);
    const open = JSON.parse(response.text.slice(1));
    assert.equal(typeof open.sid, 'string');
    assert.notEqual(open.sid, offered);
    assert.ok(!open.sid.includes(offered));
    assert.deepEqual(open.upgrades, ['websocket']);
    assert.equal(typeof open.pingInterval, 'number');
    assert.equal(typeof open.pingTimeout, 'number');
  });

  test('a polling request for a session id the server never issued is refused', async () => {
    const response = await pollingHandshake({}, `&sid=${randomUUID()}`);
    assert.ok(response.status >= 400, `expected a refusal, got ${response.status} ${response.text.slice(0, 100)}`);
  });

  test('session ids are distinct and a socket id cannot be claimed in the CONNECT packet', async () => {
    const victim = await guest(node, 'Victim', { transports: ['websocket'] });
    const raw = await openRaw(node);
    try {
      assert.notEqual(raw.handshake.sid, victim.socket.io.engine.id);
      const answer = await raw.connectNamespace({ displayName: 'Thief', pid: victim.id, offset: '0', sid: victim.id });
      assert.ok(answer.ok, answer.packet);
      assert.notEqual(answer.data.sid, victim.id, 'the thief must not get the victim socket id');
      assert.ok(victim.connected, 'the victim keeps its connection');
    } finally {
      raw.close();
    }
  });
});
