// PROTOCOL §5 "Order is kept ... also across nodes" and §8 (one Redis write per relayed signal): everything
// one sender sends to one target on another node arrives in the order sent, and nothing is lost.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { NO_RATE_LIMIT, spreadMeeting, startCluster, within } from '../../lib/cluster.js';
import { closeAllPeers } from '../../lib/peer.js';

const CANDIDATE = { candidate: 'candidate:1 1 UDP 2122252543 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
const SDP_OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

let cluster;
let n1;
let n2;
let n3;

before(async () => {
  // one client sending 1,000 candidates at once would otherwise be RATE_LIMITED after 100 (§7)
  cluster = await startCluster({ name: 'order', nodes: 3, env: NO_RATE_LIMIT });
  [n1, n2, n3] = cluster.nodes;
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

/** Collects, per sender, the sequence numbers (`sdpMLineIndex`, -1 for an offer) that `receiver` gets. */
function collect(receiver, expectedTotal) {
  const bySender = new Map();
  let total = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  const record = (senderId, seq) => {
    if (!bySender.has(senderId)) bySender.set(senderId, []);
    bySender.get(senderId).push(seq);
    if (++total === expectedTotal) resolveAll();
  };
  receiver.socket.on('offer', (d) => record(d.senderId, -1));
  receiver.socket.on('ice-candidate', (d) => record(d.senderId, d.candidate.sdpMLineIndex));
  return { bySender, all, count: () => total };
}

const range = (n) => Array.from({ length: n }, (_, i) => i);

describe('relay order across nodes', () => {
  test('an offer then 1,000 ice candidates from node 1 arrive at node 3 in order, none lost', async () => {
    const { guests } = await spreadMeeting(n2, { guests: [['Sender', n1], ['Receiver', n3]] });
    const [sender, receiver] = guests;
    const got = collect(receiver, 1001);
    sender.emit('offer', { targetId: receiver.id, sdp: SDP_OFFER });
    for (let i = 0; i < 1000; i++) {
      sender.emit('ice-candidate', { targetId: receiver.id, candidate: { ...CANDIDATE, sdpMLineIndex: i } });
    }
    await within('all 1001 signals', 15_000, got.all).catch((error) => {
      error.message += ` — got ${got.count()}`;
      throw error;
    });
    const stream = got.bySender.get(sender.id);
    assert.equal(stream[0], -1, 'the offer comes first');
    assert.deepEqual(stream.slice(1), range(1000), 'candidates in the order sent, none lost or doubled');
    assert.equal(sender.take('error').length, 0, 'no signal was refused');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.count(), 1001, 'nothing arrives twice');
  });

  test('two senders on nodes 1 and 2 to one target on node 3: each stream arrives in order', async () => {
    const { guests } = await spreadMeeting(n3, { guests: [['Left', n1], ['Right', n2], ['Target', n3]] });
    const [left, right, target] = guests;
    const got = collect(target, 2 * 501);
    left.emit('offer', { targetId: target.id, sdp: SDP_OFFER });
    right.emit('offer', { targetId: target.id, sdp: SDP_OFFER });
    for (let i = 0; i < 500; i++) {
      left.emit('ice-candidate', { targetId: target.id, candidate: { ...CANDIDATE, sdpMLineIndex: i } });
      right.emit('ice-candidate', { targetId: target.id, candidate: { ...CANDIDATE, sdpMLineIndex: i } });
    }
    await within('both streams complete', 15_000, got.all).catch((error) => {
      error.message += ` — got ${got.count()} of 1002`;
      throw error;
    });
    for (const sender of [left, right]) {
      assert.deepEqual(got.bySender.get(sender.id), [-1, ...range(500)], `${sender.label}: offer first, then every candidate in order`);
      assert.equal(sender.take('error').length, 0, `${sender.label}: no signal refused`);
    }
  });

  test('a receiver on the polling transport on another node gets every signal, in order', async () => {
    const { guests } = await spreadMeeting(n1, {
      guests: [['Sender', n2], { name: 'Poller', node: n3, options: { transports: ['polling'] } }],
    });
    const [sender, receiver] = guests;
    assert.equal(receiver.socket.io.engine.transport.name, 'polling');
    // a burst large enough that many signals wait for one poll (netty-socketio answers a poll with at most 50)
    const N = 1000;
    const got = collect(receiver, N + 1);
    sender.emit('offer', { targetId: receiver.id, sdp: SDP_OFFER });
    for (let i = 0; i < N; i++) {
      sender.emit('ice-candidate', { targetId: receiver.id, candidate: { ...CANDIDATE, sdpMLineIndex: i } });
    }
    await within(`${N + 1} signals over polling`, 10_000, got.all).catch((error) => {
      const stream = got.bySender.get(sender.id) ?? [];
      const missing = [-1, ...range(N)].filter((n) => !stream.includes(n));
      error.message += ` — got ${got.count()} of ${N + 1}, missing ${JSON.stringify(missing)}`;
      throw error;
    });
    assert.deepEqual(got.bySender.get(sender.id), [-1, ...range(N)]);
  });
});
