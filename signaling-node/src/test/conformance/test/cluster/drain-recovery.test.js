// PROTOCOL §8 graceful shutdown with §9 recovery: 200 clients in 10 rooms spread over three nodes, and
// SIGTERM on one node. Its /readyz turns 503 at once and it refuses new handshakes; it closes its clients'
// transports spread over DRAIN_SECONDS; each client reconnects by itself to a surviving node (the URI is
// switched on `disconnect`, as a load balancer would) and recovers there: same id, seat kept, nobody in
// any room sees anybody leave or join. Chat sent during the drain from the other nodes reaches everyone
// exactly once, in order, and the drained process exits 0 within DRAIN_SECONDS + 5 s.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertOk } from '../../lib/assertions.js';
import { eventually, NO_RATE_LIMIT, spreadMeeting, startCluster, within } from '../../lib/cluster.js';
import { closeAllPeers, delay, SILENCE_MS } from '../../lib/peer.js';
import { marks, nextConnect, offsetOf, RECONNECTING, reconnectTo } from '../../lib/recovery.js';
import { lookupCode } from '../../lib/rest.js';

const DRAIN_SECONDS = 5;
const NODE_TTL_SECONDS = 3;
const ROOMS = 10;
const PER_ROOM = 20; // the host and 19 guests: 200 clients
const CHAT_EVERY_MS = 250;

let cluster;
let n1;
let n2;
let draining; // the node that gets SIGTERM

before(async () => {
  // the survivors keep the suite's short DRAIN_SECONDS so that stopping them after the file is quick
  cluster = await startCluster({ name: 'drain', nodes: 2, env: { ...NO_RATE_LIMIT, NODE_TTL: String(NODE_TTL_SECONDS) } });
  [n1, n2] = cluster.nodes;
  draining = await cluster.addNode({ DRAIN_SECONDS: String(DRAIN_SECONDS) });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

/** Room r: the host on node r % 3, guest i on node (r + i + 1) % 3; every other guest on websocket only. */
function roomOnThreeNodes(r) {
  const nodes = [n1, n2, draining];
  const guests = [];
  for (let i = 0; i < PER_ROOM - 1; i++) {
    guests.push({
      name: `R${r} G${i}`,
      node: nodes[(r + i + 1) % 3],
      options: i % 2 === 0 ? { transports: ['websocket'] } : {},
    });
  }
  return spreadMeeting(nodes[r % 3], { hostName: `R${r} Host`, guests, options: RECONNECTING });
}

/** The chat-message ids `peer` received after `mark` for `roomId`, in arrival order. */
const chatIds = (peer, mark, roomId) =>
  peer.log.slice(mark).filter((e) => e.event === 'chat-message' && e.data?.roomId === roomId).map((e) => e.data.id);

/** What went wrong with a peer's chat: messages received twice (with their offsets and arrival) and missing ones. */
function chatTrouble(peer, mark, roomId, sent, sigtermAt) {
  const received = peer.log.slice(mark).filter((e) => e.event === 'chat-message' && e.data?.roomId === roomId);
  const counts = new Map();
  for (const e of received) counts.set(e.data.id, (counts.get(e.data.id) ?? 0) + 1);
  const twice = received
    .filter((e) => counts.get(e.data.id) > 1)
    .map((e) => `${e.data.id.slice(0, 8)} offset ${offsetOf(e)} at +${Math.round(e.at - sigtermAt)} ms`);
  const missing = sent.filter((id) => !counts.has(id)).map((id) => id.slice(0, 8));
  const drop = peer.log.slice(mark).find((e) => e.event === 'disconnect');
  const dropped = drop ? `transport closed at +${Math.round(drop.at - sigtermAt)} ms` : 'not dropped';
  return `received twice: [${twice.join('; ')}], missing: [${missing.join(', ')}], ${dropped}`;
}

describe('drain with recovery', () => {
  test('SIGTERM hands every client to the other nodes, where it recovers; nobody sees anybody leave and no chat is lost', async () => {
    const meetings = await Promise.all(Array.from({ length: ROOMS }, (_, r) => roomOnThreeNodes(r)));
    const everyone = meetings.flatMap((m) => m.everyone);
    assert.equal(everyone.length, ROOMS * PER_ROOM);
    const leaving = everyone.filter((peer) => peer.node === draining);
    assert.ok(leaving.length >= ROOMS * PER_ROOM / 4, `${leaving.length} clients on the draining node`);

    const since = marks(everyone);
    const handoffs = leaving.map((peer, i) => {
      reconnectTo(peer, i % 2 === 0 ? [n1, n2] : [n2, n1]);
      const id = peer.id;
      const dropped = new Promise((resolve) =>
        peer.socket.once('disconnect', (reason) => resolve({ reason, at: performance.now() })),
      );
      const back = nextConnect(peer, (DRAIN_SECONDS + 5) * 1_000);
      return { peer, id, dropped, back };
    });

    const sigtermAt = performance.now();
    process.kill(draining.pid, 'SIGTERM');
    let ready = 200;
    while (ready === 200 && performance.now() - sigtermAt < 1_000) {
      ready = (await fetch(`${draining.mgmtUrl}/readyz`).catch(() => ({ status: 0 }))).status;
    }
    assert.ok(ready === 503 || ready === 0, `readyz must turn 503 right after SIGTERM, got ${ready}`);
    const handshake = await fetch(`${draining.url}/socket.io/?EIO=4&transport=polling`).catch(() => null);
    assert.ok(handshake === null || handshake.status === 503, `a new handshake on the draining node got ${handshake?.status}`);

    // chat from the surviving nodes all through the drain, one sender after another per room
    let chatting = true;
    const sent = meetings.map(() => []);
    const failures = [];
    const chatLoops = meetings.map(async (m, r) => {
      const senders = m.everyone.filter((peer) => peer.node !== draining);
      for (let k = 0; chatting; k++) {
        const sender = senders[k % senders.length];
        try {
          const ack = await sender.ack('chat-message', { roomId: m.room.id, content: `room ${r} during the drain ${k}` });
          assertOk(ack, `${sender.label} chat during the drain`);
          sent[r].push(ack.message.id);
        } catch (error) {
          failures.push(error.message);
          return;
        }
        await delay(CHAT_EVERY_MS);
      }
    });

    const results = await within(
      'every client of the draining node reconnected',
      (DRAIN_SECONDS + 5) * 1_000,
      Promise.all(handoffs.map(async (h) => ({ ...h, dropped: await h.dropped, back: await h.back }))),
    );
    const exit = await within(
      'the draining node exits within DRAIN_SECONDS + 5 s',
      Math.max(0, (DRAIN_SECONDS + 5) * 1_000 - (performance.now() - sigtermAt)),
      draining.exited,
    );
    const exitedAfter = performance.now() - sigtermAt;
    chatting = false;
    await Promise.all(chatLoops);
    assert.deepEqual(failures, [], 'chat during the drain is accepted');
    assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
    console.log(`# drained ${leaving.length} clients; exit 0 after ${Math.round(exitedAfter)} ms (DRAIN_SECONDS ${DRAIN_SECONDS})`);

    for (const { peer, id, dropped, back } of results) {
      assert.equal(dropped.reason, 'transport close', `${peer.label}: the node closes the transport, not the Socket.IO session`);
      assert.equal(back.recovered, true, `${peer.label}: recovered on ${peer.socket.io.uri}`);
      assert.equal(back.id, id, `${peer.label}: same socket id after the hand-off`);
      assert.ok([n1.url, n2.url].includes(peer.socket.io.uri), `${peer.label} reconnected to a surviving node`);
    }
    const closedAt = results.map((h) => h.dropped.at - sigtermAt);
    const first = Math.min(...closedAt);
    const last = Math.max(...closedAt);
    console.log(`# transports closed ${Math.round(first)}–${Math.round(last)} ms after SIGTERM`);
    assert.ok(last <= (DRAIN_SECONDS + 1) * 1_000, `last transport closed ${Math.round(last)} ms after SIGTERM`);
    assert.ok(last - first >= 1_000, `transports are closed spread over DRAIN_SECONDS, not at once (${Math.round(first)}–${Math.round(last)} ms)`);

    // one more message per room once everybody is back, then every chat reaches everyone once, in order
    await Promise.all(meetings.map(async (m, r) => {
      const ack = await m.host.ack('chat-message', { roomId: m.room.id, content: `room ${r} after the drain` });
      assertOk(ack);
      sent[r].push(ack.message.id);
    }));
    for (const [r, m] of meetings.entries()) {
      assert.ok(sent[r].length >= 5, `room ${r}: ${sent[r].length} messages sent`);
      for (const peer of m.everyone) {
        await eventually(`${peer.label} receives every chat message of room ${r}`, () => {
          assert.ok(chatIds(peer, since.get(peer), m.room.id).length >= sent[r].length);
        }, { timeoutMs: 10_000 });
      }
    }
    await delay(SILENCE_MS);
    for (const [r, m] of meetings.entries()) {
      for (const peer of m.everyone) {
        assert.deepEqual(
          chatIds(peer, since.get(peer), m.room.id),
          sent[r],
          `${peer.label}: the chat of room ${r}, once each, in order (${chatTrouble(peer, since.get(peer), m.room.id, sent[r], sigtermAt)})`,
        );
      }
    }

    // nobody saw anybody leave or join, also after the survivors swept for lost nodes
    await delay(Math.max(0, (NODE_TTL_SECONDS + 2) * 1_000 - (performance.now() - sigtermAt - exitedAfter)));
    for (const peer of everyone) {
      const comings = peer.log.slice(since.get(peer)).filter((e) => e.event === 'user-left' || e.event === 'user-joined');
      assert.deepEqual(comings.map((e) => `${e.event} ${JSON.stringify(e.data).slice(0, 120)}`), [], `${peer.label} saw nobody leave or join`);
      assert.ok(peer.connected, `${peer.label} is connected`);
    }
    for (const m of meetings) {
      for (const node of [n1, n2]) {
        const response = await lookupCode(node, m.room.code);
        assert.equal(response.body?.participantCount, PER_ROOM, `room ${m.room.code} on ${node.nodeId}: every seat kept`);
      }
    }
  });
});
