// PROTOCOL §9 across nodes (§8): a client whose transport dropped reconnects to ANY node of the cluster
// within RECOVERY_WINDOW and gets `recovered === true`, its id, its seat and every event it missed (relays
// from participants on all three nodes, chat, room events), in order and once; nobody sees it leave, and
// afterwards its signals are routed to and from the node it is on now. The same holds when the node it was
// on was killed with SIGKILL meanwhile. Past the window the seat is released with reason "disconnected".
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk, assertParticipant } from '../../lib/assertions.js';
import { spreadMeeting, startCluster } from '../../lib/cluster.js';
import { seat } from '../../lib/fixtures.js';
import { closeAllPeers, delay, guest } from '../../lib/peer.js';
import {
  assertNobodySawItLeave,
  assertOffsets,
  assertReceivedInOrder,
  comeBack,
  dropTransport,
  marks,
  nextConnect,
  RECONNECTING,
  streamCandidates,
} from '../../lib/recovery.js';
import { lookupCode, roomState } from '../../lib/rest.js';

const NODE_TTL_SECONDS = 3;
const DETECTION_MS = (NODE_TTL_SECONDS + 5) * 1_000;
const WINDOW_MS = 4_000;

let cluster;
let n1;
let n2;
let n3;

before(async () => {
  cluster = await startCluster({
    name: 'recovery',
    nodes: 3,
    env: { NODE_TTL: String(NODE_TTL_SECONDS), RECOVERY_WINDOW: `${WINDOW_MS}ms` },
  });
  [n1, n2, n3] = cluster.nodes;
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

const offer = (text) => ({ type: 'offer', sdp: text });
const answer = (text) => ({ type: 'answer', sdp: text });
const candidate = (text) => ({ candidate: `candidate:${text} 1 udp 2122260223 192.0.2.1 54321 typ host`, sdpMid: '0', sdpMLineIndex: 0 });

/** Host on node 1, `Two` on node 2, `Three` on node 3, and `Away` (reconnects by itself) on `awayNode`, seated last. */
async function meetingWithAway(awayNode, extraGuests = []) {
  const m = await spreadMeeting(n1, {
    guests: [['Two', n2], ['Three', n3], { name: 'Away', node: awayNode, options: RECONNECTING }, ...extraGuests],
  });
  const [two, three, away, ...extra] = m.guests;
  return { ...m, two, three, away, extra };
}

async function participantCount(node, code) {
  const response = await lookupCode(node, code);
  assert.equal(response.status, 200, response.text);
  return response.body.participantCount;
}

/**
 * Sends, one after another (each acknowledged before the next), relays to `away` from the host and the
 * guests on all three nodes, chat, a media toggle and a newcomer's join on node 3. Resolves with the
 * labels `away` must receive, in this order.
 */
async function eventsWhileAway({ room, host, two, three }, awayId, tag) {
  const expected = [];
  for (const [peer, what] of [[host, 'Host'], [two, 'Two'], [three, 'Three']]) {
    assertOk(await peer.ack('offer', { targetId: awayId, sdp: offer(`${tag} offer from ${what}`) }), `${what}: offer to a socket within its window`);
    expected.push(`offer ${peer.id} ${tag} offer from ${what}`);
  }
  for (const [peer, what] of [[host, 'Host'], [two, 'Two'], [three, 'Three']]) {
    const c = candidate(`${tag}-${what}`);
    assertOk(await peer.ack('ice-candidate', { targetId: awayId, candidate: c }));
    expected.push(`ice-candidate ${peer.id} ${c.candidate}`);
  }
  assertOk(await two.ack('chat-message', { roomId: room.id, content: `${tag} chat from node 2` }));
  expected.push(`chat-message ${two.id} ${tag} chat from node 2`);
  assertOk(await three.ack('toggle-video', { roomId: room.id, enabled: false }));
  expected.push(`user-toggle-video ${three.id} false`);
  const newcomer = await guest(n3, `${tag} Newcomer`);
  const joined = await seat(newcomer, room.code, [host, two, three]);
  expected.push(`user-joined ${newcomer.id}`);
  assertOk(await host.ack('chat-message', { roomId: room.id, content: `${tag} chat from node 1` }));
  expected.push(`chat-message ${host.id} ${tag} chat from node 1`);
  return { expected, newcomer, newcomerJoined: joined };
}

describe('recovery on another node', () => {
  test('a dropped transport reconnects to another node recovered, with every missed event from all nodes in order, once', async () => {
    const m = await meetingWithAway(n1);
    const { room, host, hostUser, two, three, away } = m;
    assertOk(await three.ack('chat-message', { roomId: room.id, content: 'before the drop' }));
    for (const peer of [host, two, three, away]) await peer.next('chat-message');
    const id = away.id;
    const watching = marks([host, two, three]);

    const mark = away.log.length;
    await dropTransport(away, { stayAway: true });
    const { expected, newcomer, newcomerJoined } = await eventsWhileAway(m, id, 'missed');
    const back = await comeBack(away, { to: n2 });
    assert.equal(back.recovered, true, 'socket.recovered after reconnecting to another node within the window');
    assert.equal(back.id, id, 'a recovered socket keeps its id on another node');
    const missed = await assertReceivedInOrder(away, mark, expected, { what: 'missed events' });
    assertOffsets(missed, 'missed events');

    assertNobodySawItLeave(watching, id, 'Away');
    assertNobodySawItLeave(new Map([[newcomer, 0]]), id, 'Away');
    const seen = newcomerJoined.participants.find((p) => p.socketId === id);
    assert.ok(seen, 'a newcomer during the window sees the absent socket seated');
    assertParticipant(seen, { displayName: 'Away' });
    const state = await roomState(n3, room, hostUser);
    assert.deepEqual(
      state.participants.map((p) => p.socketId),
      [host.id, two.id, three.id, id, newcomer.id],
      'one seat for the recovered socket, where it was',
    );
    for (const node of [n1, n2, n3]) assert.equal(await participantCount(node, room.code), 5, `count on ${node.nodeId}`);

    // live events reach it on its new node, once
    const live = away.log.length;
    assertOk(await three.ack('chat-message', { roomId: room.id, content: 'live' }));
    await assertReceivedInOrder(away, live, [`chat-message ${three.id} live`], { what: 'live events' });
  });

  test('after recovering on another node it exchanges offers both ways with participants on every node', async () => {
    const { host, two, three, away } = await meetingWithAway(n3);
    const id = away.id;
    const watching = marks([host, two, three]);
    const reconnect = nextConnect(away);
    await dropTransport(away, { to: n1 });
    const back = await reconnect;
    assert.equal(back.recovered, true, 'socket.recovered');
    assert.equal(back.id, id);

    const mark = away.log.length;
    const expected = [];
    for (const [peer, what] of [[host, 'node 1'], [two, 'node 2'], [three, 'node 3']]) {
      const from = offer(`to Away from ${what}`);
      assertOk(await peer.ack('offer', { targetId: id, sdp: from }), `offer from ${what} to the moved socket`);
      assertHas(await away.next('offer', { where: (d) => d.senderId === peer.id }), { senderId: peer.id, sdp: from });
      expected.push(`offer ${peer.id} ${from.sdp}`);
      assertOk(await away.ack('answer', { targetId: peer.id, sdp: answer(`from Away to ${what}`) }));
      assertHas(await peer.next('answer'), { senderId: id, sdp: answer(`from Away to ${what}`) }, `answer reaches ${what}`);
      assertOk(await away.ack('offer', { targetId: peer.id, sdp: offer(`from Away to ${what}`) }));
      assertHas(await peer.next('offer'), { senderId: id, sdp: offer(`from Away to ${what}`) }, `offer reaches ${what}`);
    }
    await assertReceivedInOrder(away, mark, expected, { what: 'offers after the move' });
    for (const peer of [host, two, three]) {
      await peer.none('offer', { within: 0 });
      await peer.none('answer', { within: 0 });
    }
    assertNobodySawItLeave(watching, id, 'Away');
  });

  test('signals sent without pause from another node across the drop and the reconnect elsewhere arrive once each, in order', async () => {
    const { host, two, three, away } = await meetingWithAway(n1);
    const id = away.id;
    const watching = marks([host, two, three]);
    const mark = away.log.length;
    const streaming = streamCandidates(two, id, { count: 60, everyMs: 20, tag: 'across' });
    await delay(300);
    const reconnect = nextConnect(away);
    await dropTransport(away, { to: n3 });
    const back = await reconnect;
    assert.equal(back.recovered, true, 'socket.recovered');
    assert.equal(back.id, id);
    const expected = await streaming;
    await assertReceivedInOrder(away, mark, expected, { what: 'candidates from node 2 sent across the move from node 1 to node 3' });
    assertNobodySawItLeave(watching, id, 'Away');
  });
});

describe('recovery after the node died', () => {
  test('a client of a node killed with SIGKILL recovers on a survivor, with the events sent to it after the kill', async () => {
    const victim = await cluster.addNode();
    const m = await meetingWithAway(victim, [['Bystander', victim]]);
    const { room, hostUser, host, two, three, away } = m;
    const bystander = m.extra[0];
    const bystanderId = bystander.id;
    const id = away.id;
    const watching = marks([host, two, three]);

    const mark = away.log.length;
    away.socket.io.reconnection(false); // stays away until the events below were sent
    const gone = new Promise((resolve) => away.socket.once('disconnect', resolve));
    const killedAt = performance.now();
    const exit = await victim.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    await gone;
    away.take('disconnect');

    const { expected, newcomer } = await eventsWhileAway(m, id, 'after the kill');
    const back = await comeBack(away, { to: n3 });
    const awayFor = back.at - killedAt;
    assert.equal(back.recovered, true, 'socket.recovered after its node died');
    assert.equal(back.id, id, 'same id on the survivor');
    const missed = await assertReceivedInOrder(away, mark, expected, { what: 'events sent after the kill' });
    assertOffsets(missed, 'events sent after the kill');
    assert.ok(awayFor < NODE_TTL_SECONDS * 1_000, `precondition: back ${Math.round(awayFor)} ms after the kill, before NODE_TTL`);

    // the dead node's other socket is released with node-lost; the recovered one is not
    for (const peer of [host, two, three, newcomer]) {
      assertHas(
        await peer.next('user-left', { where: (d) => d.socketId === bystanderId, timeout: DETECTION_MS }),
        { reason: 'node-lost' },
        `${peer.label}: the bystander of the killed node`,
      );
    }
    await delay(Math.max(0, WINDOW_MS + 1_000 - (performance.now() - killedAt)));
    assertNobodySawItLeave(watching, id, 'Away');
    assertNobodySawItLeave(new Map([[newcomer, 0]]), id, 'Away');
    const state = await roomState(n2, room, hostUser);
    assert.deepEqual(
      state.participants.map((p) => p.socketId),
      [host.id, two.id, three.id, id, newcomer.id],
      'the recovered socket keeps its seat after the dead node was swept',
    );

    const live = away.log.length;
    assertOk(await two.ack('offer', { targetId: id, sdp: offer('after the sweep') }));
    assertOk(await away.ack('answer', { targetId: two.id, sdp: answer('after the sweep') }));
    assertHas(await two.next('answer'), { senderId: id });
    await assertReceivedInOrder(away, live, [`offer ${two.id} after the sweep`], { what: 'relays after the sweep' });
  });
});

describe('past the recovery window', () => {
  test('a client away longer than RECOVERY_WINDOW is released with user-left disconnected only after the window, then joins anew', async () => {
    const { room, hostUser, host, two, three, away } = await meetingWithAway(n3);
    const id = away.id;
    const droppedAt = performance.now();
    await dropTransport(away, { stayAway: true });

    await host.none('user-left', { within: WINDOW_MS - 600 });
    assert.equal(await participantCount(n1, room.code), 4, 'the seat is held within the window');
    for (const peer of [host, two, three]) {
      assertHas(await peer.next('user-left', { timeout: WINDOW_MS + 4_000 }), { socketId: id, reason: 'disconnected' }, `${peer.label} user-left`);
    }
    const elapsed = performance.now() - droppedAt;
    assert.ok(elapsed >= WINDOW_MS - 100, `user-left ${Math.round(elapsed)} ms after the drop, before the ${WINDOW_MS} ms window elapsed`);

    const back = await comeBack(away, { to: n2 });
    assert.equal(back.recovered, false, 'no recovery past the window');
    assert.notEqual(back.id, id, 'a new socket id');
    await seat(away, room.code, [host, two, three]);
    const state = await roomState(n1, room, hostUser);
    assert.deepEqual(state.participants.map((p) => p.socketId), [host.id, two.id, three.id, back.id], 'one seat, under the new id');
    await delay(300);
    for (const peer of [host, two, three]) {
      assert.equal(peer.log.filter((e) => e.event === 'user-left').length, 1, `${peer.label}: user-left once`);
    }
  });
});
