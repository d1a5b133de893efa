// PROTOCOL §7 at the engine edge: acknowledgement ids are plain integers up to 2^53 − 1 (what socket.io-client
// may send), and MAX_CONNECTIONS_PER_IP bounds the engine sessions one address holds open, counted from the
// handshake (before any CONNECT) until they close, from the TCP peer or, with TRUST_PROXY, from the rightmost
// X-Forwarded-For entry. What waits unread for a polling client that sends but never fetches is bounded too.
import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { metric } from '../lib/abuse.js';
import { meeting } from '../lib/fixtures.js';
import { closeAllPeers, guest, refused } from '../lib/peer.js';
import { openRaw } from '../lib/raw.js';
import { startNode } from '../lib/server.js';

const nodes = [];
const raws = [];

async function node(env) {
  const started = await startNode(env);
  nodes.push(started);
  return started;
}

async function raw(target, options) {
  const socket = await openRaw(target, options);
  raws.push(socket);
  return socket;
}

async function refusedRaw(target, options) {
  const error = await openRaw(target, options).then(
    (socket) => {
      socket.close();
      assert.fail('the websocket handshake was accepted, expected 429');
    },
    (e) => e,
  );
  assert.equal(error.status, 429, error.message);
  assert.equal(JSON.parse(error.body).error.code, 'RATE_LIMITED');
}

afterEach(async () => {
  for (const socket of raws.splice(0)) socket.close();
  await closeAllPeers();
});
after(async () => {
  for (const started of nodes) await started.stop();
});

describe('acknowledgement ids', () => {
  test('ids of 2^31 and more, up to 2^53 − 1, are answered with the same id', async () => {
    const target = await node({ NODE_ID: 'conf-ack-ids' });
    const socket = await raw(target);
    assert.equal((await socket.connectNamespace({ displayName: 'Acks' })).ok, true);
    for (const id of [2 ** 31 - 1, 2 ** 31, 2 ** 31 + 7, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      const ack = await socket.emit('toggle-audio', { roomId: 'not-a-room-of-mine', enabled: true }, id);
      assert.equal(ack.success, false, `ack ${id}`);
      assert.equal(ack.code, 'NOT_IN_ROOM', `ack ${id}: ${JSON.stringify(ack)}`);
    }
  });
});

describe('connections per address', () => {
  test('an address at MAX_CONNECTIONS_PER_IP is refused 429 at the handshake until one of its sessions closes', async () => {
    const target = await node({ NODE_ID: 'conf-per-ip', MAX_CONNECTIONS_PER_IP: '5' });
    // engine sessions that never sent CONNECT count too
    const open = [];
    for (let i = 0; i < 5; i++) open.push(await raw(target));
    await refusedRaw(target);
    const error = await refused(target, { auth: { displayName: 'Sixth' }, transports: ['polling'], reconnection: false });
    assert.match(String(error.message), /xhr poll error|429/i, 'the official client sees the refused handshake');
    assert.ok((await metric(target, 'signaling_handshakes_refused_total', 'reason="per-ip"')) >= 2);

    open[0].close();
    await open[0].closed;
    const deadline = Date.now() + 5_000;
    let admitted;
    while (!admitted && Date.now() < deadline) {
      admitted = await openRaw(target).catch(() => null);
      if (!admitted) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(admitted, 'a closed session makes room for another one');
    raws.push(admitted);
    await refusedRaw(target);

    // and every count goes when its sessions go: five accepted guests again after all closed
    for (const socket of raws.splice(0)) socket.close();
    await Promise.all([...open, admitted].map((s) => s.closed));
    const deadline2 = Date.now() + 5_000;
    let peers = [];
    while (Date.now() < deadline2) {
      try {
        for (let i = peers.length; i < 5; i++) peers.push(await guest(target, `Guest ${i}`, { reconnection: false }));
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.equal(peers.length, 5, 'five guests from the same address connect once the others are gone');
    await refusedRaw(target);
  });

  test('with TRUST_PROXY the rightmost X-Forwarded-For entry counts, not what the client put left of it', async () => {
    const target = await node({ NODE_ID: 'conf-per-ip-proxy', MAX_CONNECTIONS_PER_IP: '3', TRUST_PROXY: 'true' });
    const from = (address, claimed) => ({ headers: { 'X-Forwarded-For': claimed ? `${claimed}, ${address}` : address } });
    for (let i = 0; i < 3; i++) await raw(target, from('203.0.113.1'));
    await refusedRaw(target, from('203.0.113.1'));
    await refusedRaw(target, from('203.0.113.1', '198.51.100.77'));
    // another client behind the same balancer (same TCP peer) is not affected
    for (let i = 0; i < 3; i++) await raw(target, from('203.0.113.2'));
    await refusedRaw(target, from('203.0.113.2'));
  });

  test('without TRUST_PROXY a client cannot escape the limit with X-Forwarded-For', async () => {
    const target = await node({ NODE_ID: 'conf-per-ip-peer', MAX_CONNECTIONS_PER_IP: '2' });
    await raw(target, { headers: { 'X-Forwarded-For': '203.0.113.5' } });
    await raw(target, { headers: { 'X-Forwarded-For': '203.0.113.6' } });
    await refusedRaw(target, { headers: { 'X-Forwarded-For': '203.0.113.7' } });
  });
});

/** A hand-driven Engine.IO polling client (fetch): the official client always fetches what it is sent. */
class RawPolling {
  constructor(node) {
    this.base = `http://127.0.0.1:${node.port}/socket.io/?EIO=4&transport=polling`;
  }

  async open() {
    const text = await (await fetch(this.base)).text();
    assert.equal(text[0], '0', text);
    this.sid = JSON.parse(text.slice(1)).sid;
  }

  async post(packet) {
    const response = await fetch(`${this.base}&sid=${this.sid}`, { method: 'POST', body: packet });
    return { status: response.status, text: await response.text() };
  }

  /** One long-poll: the packets it answered with. */
  async get() {
    const text = await (await fetch(`${this.base}&sid=${this.sid}`, { signal: AbortSignal.timeout(10_000) })).text();
    return text.split('\x1e');
  }

  /** Long-polls until a packet that `match` accepts arrived (answering pings). */
  async until(match) {
    for (let i = 0; i < 20; i++) {
      for (const packet of await this.get()) {
        if (packet === '2') await this.post('3');
        if (match(packet)) return packet;
      }
    }
    assert.fail('no matching packet in 20 polls');
  }
}

describe('what waits unread for a polling client', () => {
  test('a polling client that never fetches has its transport closed once over 4 MiB are queued for it', { timeout: 60_000 }, async () => {
    const target = await node({ NODE_ID: 'conf-polling-sink', RECOVERY_WINDOW: '0s' });
    const { room, host } = await meeting(target);
    const sink = new RawPolling(target);
    await sink.open();
    await sink.post(`40${JSON.stringify({ displayName: 'Sink' })}`);
    const connected = await sink.until((p) => p.startsWith('40'));
    const socketId = JSON.parse(connected.slice(2)).sid;
    await sink.post(`421${JSON.stringify(['join-room', { roomCode: room.code }])}`);
    await sink.until((p) => p.startsWith('431['));
    await host.next('user-joined', { where: (d) => d.participant.socketId === socketId });
    const before = await metric(target, 'signaling_slow_consumers_closed_total');

    // from now on the sink never fetches: 80 offers of 60 KB (4.7 MiB) are sent to it
    const sdp = { type: 'offer', sdp: 'v=0 '.padEnd(60 * 1024, 'x') };
    for (let i = 0; i < 80; i++) await host.ack('offer', { targetId: socketId, sdp });
    const left = await host.next('user-left', { where: (d) => d.socketId === socketId, timeout: 8_000 });
    assert.ok(left, 'the sink left the room once its transport was closed');
    assert.equal(await metric(target, 'signaling_slow_consumers_closed_total'), before + 1);
  });
});
