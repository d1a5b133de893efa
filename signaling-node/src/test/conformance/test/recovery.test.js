// PROTOCOL §9 on one node (in-memory store): Socket.IO v4 connection state recovery. The CONNECT answer
// carries a private session id (pid), events through a room's log carry an offset as their last argument,
// and a client whose transport dropped (not one that called disconnect(), not one removed by the host)
// and that comes back within RECOVERY_WINDOW gets `recovered === true`, its id, its seat and media state,
// and every event it missed, in order and once; nobody sees it leave. Past the window the seat is released
// with reason "disconnected". Both ways of re-joining after a reconnect (the seed documentation's and
// Socket.IO's own) end with exactly one seat.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas, assertOk, assertParticipant, assertRefused } from '../lib/assertions.js';
import { eventually } from '../lib/cluster.js';
import { meeting, seat } from '../lib/fixtures.js';
import { newUser } from '../lib/jwt.js';
import { closeAllPeers, delay, guest, member } from '../lib/peer.js';
import { openRaw } from '../lib/raw.js';
import {
  assertNobodySawItLeave,
  assertOffsets,
  assertReceivedInOrder,
  comeBack,
  dropTransport,
  marks,
  nextConnect,
  offsetOf,
  RECONNECTING,
  streamCandidates,
} from '../lib/recovery.js';
import { lookupCode, management, roomState } from '../lib/rest.js';
import { startNode } from '../lib/server.js';

let node; // RECOVERY_WINDOW at its default (30 s)

/** The node's sockets with an open transport and the sessions held for recovery, from /metrics. */
async function sessionGauges(on) {
  const text = (await management(on, '/metrics')).text;
  const gauge = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return { connected: gauge('signaling_sockets_connected'), detached: gauge('signaling_sessions_detached') };
}

before(async () => {
  node = await startNode({ NODE_ID: 'conf-recovery' });
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await node?.stop();
});

const offer = (text) => ({ type: 'offer', sdp: text });
const candidate = (text) => ({ candidate: `candidate:${text} 1 udp 2122260223 192.0.2.1 54321 typ host`, sdpMid: '0', sdpMLineIndex: 0 });

/**
 * A meeting on `on`: the host, one guest per name of `others`, and `Away`, a guest that reconnects by
 * itself (seated last, so its only event so far is its room-joined). Every inbox is empty.
 */
async function meetingWithAway(on, { others = ['Other'] } = {}) {
  const m = await meeting(on, { guests: others });
  const away = await guest(on, 'Away', RECONNECTING);
  await seat(away, m.room.code, m.everyone);
  for (const peer of m.everyone) peer.clear();
  away.clear();
  return { ...m, away };
}

/** The seats that the room's REST view (host only) lists for `socketId`. */
async function seatsOf(on, room, hostUser, socketId) {
  const state = await roomState(on, room, hostUser);
  return state.participants.filter((p) => p.socketId === socketId);
}

describe('the CONNECT answer and offsets', () => {
  test('the CONNECT answer carries a private session id (pid) besides sid', async () => {
    const raw = await openRaw(node);
    try {
      const answer = await raw.connectNamespace({ displayName: 'Raw' });
      assert.equal(answer.ok, true, `CONNECT refused: ${answer.packet}`);
      assert.equal(typeof answer.data?.sid, 'string', `sid in ${answer.packet}`);
      assert.equal(typeof answer.data?.pid, 'string', `the CONNECT answer must carry a pid: ${answer.packet}`);
      assert.ok(answer.data.pid.length > 0);
      assert.notEqual(answer.data.pid, answer.data.sid, 'the pid is private: it must not be the public socket id');
    } finally {
      raw.close();
    }
  });

  test('a reconnect that presents pid and offset gets the same sid and pid back and the missed events', async () => {
    const { room, host } = await meeting(node);
    const first = await openRaw(node);
    const answer = await first.connectNamespace({ displayName: 'Raw' });
    const { sid, pid } = answer.data ?? {};
    assert.equal(typeof pid, 'string', `the CONNECT answer must carry a pid: ${answer.packet}`);
    assertOk(await first.emit('join-room', { roomCode: room.code }, 1), 'raw join');
    const joinedPacket = await first.next((m) => m.startsWith('42["room-joined"'), 3_000, 'room-joined');
    const joinedArgs = JSON.parse(joinedPacket.slice(2));
    assert.equal(joinedArgs.length, 3, `room-joined must carry the offset of the join as its last argument: ${joinedPacket.slice(0, 300)}`);
    const offset = joinedArgs[2];
    assert.equal(typeof offset, 'string');
    await host.next('user-joined', { where: (d) => d.participant.socketId === sid });
    first.close(); // the TCP connection just goes away

    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'while the raw client was away' }));
    const second = await openRaw(node);
    try {
      const again = await second.connectNamespace({ displayName: 'Raw', pid, offset });
      assert.equal(again.ok, true, `CONNECT refused: ${again.packet}`);
      assert.equal(again.data?.sid, sid, `a recovered session keeps its id: ${again.packet}`);
      assert.equal(again.data?.pid, pid, 'the answer repeats the pid (that is how socket.io-client tells `recovered`)');
      const missed = await second.next((m) => m.startsWith('42["chat-message"'), 3_000, 'the missed chat-message');
      const args = JSON.parse(missed.slice(2));
      assert.equal(args[1].content, 'while the raw client was away');
      assert.equal(typeof args[2], 'string', `the replayed event carries its offset: ${missed.slice(0, 300)}`);
      await host.none('user-left', { where: (d) => d.socketId === sid });
    } finally {
      second.close();
    }
  });

  test('a made-up pid is not a session: the socket gets a new id and a pid of its own', async () => {
    const raw = await openRaw(node);
    try {
      const answer = await raw.connectNamespace({ displayName: 'Raw', pid: 'not-a-session', offset: '0' });
      assert.equal(answer.ok, true, `an unknown pid must not refuse the handshake: ${answer.packet}`);
      assert.equal(typeof answer.data?.sid, 'string');
      assert.equal(typeof answer.data?.pid, 'string', `the CONNECT answer must carry a pid: ${answer.packet}`);
      assert.notEqual(answer.data.pid, 'not-a-session', 'an unknown pid must not be echoed (the client would think it recovered)');
    } finally {
      raw.close();
    }
  });

  test('room events, relays, chat, media and host commands carry distinct offsets; errors and join-error none', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Callee'] });
    const [callee] = guests;
    const joiner = await guest(node, 'Joiner');
    await seat(joiner, room.code, [host, callee]);
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'hello' }));
    assertOk(await host.ack('toggle-audio', { roomId: room.id, enabled: false }));
    assertOk(await host.ack('start-screen-share', { roomId: room.id }));
    assertOk(await host.ack('toggle-hand-raise', { roomId: room.id, raised: true }));
    assertOk(await host.ack('offer', { targetId: callee.id, sdp: offer('o') }));
    assertOk(await host.ack('ice-candidate', { targetId: callee.id, candidate: candidate('c') }));
    assertOk(await callee.ack('answer', { targetId: host.id, sdp: { type: 'answer', sdp: 'a' } }));
    assertOk(await host.ack('mute-participant', { roomId: room.id, participantId: callee.id }));
    assertOk(await host.ack('lock-room', { roomId: room.id, locked: true }));
    assertOk(await joiner.ack('leave-room', { roomId: room.id }));
    await callee.next('user-left', { where: (d) => d.socketId === joiner.id });
    await host.next('user-left', { where: (d) => d.socketId === joiner.id });
    await callee.next('room-locked');
    await host.next('answer');

    const calleeEvents = callee.log.filter((e) => e.event !== 'disconnect');
    assert.deepEqual(
      calleeEvents.map((e) => e.event).sort(),
      [
        'room-joined',
        'user-joined',
        'chat-message',
        'user-toggle-audio',
        'screen-share-started',
        'user-hand-raised',
        'offer',
        'ice-candidate',
        'force-mute',
        'user-toggle-audio',
        'room-locked',
        'user-left',
      ].sort(),
      'what the callee received',
    );
    assertOffsets(calleeEvents, 'callee');
    assertOffsets(host.log.filter((e) => ['room-joined', 'user-joined', 'chat-message', 'answer', 'user-toggle-audio', 'user-left'].includes(e.event)), 'host');

    // refusals carry no offset: they are not in any log
    const outsider = await guest(node, 'Outsider');
    outsider.emit('chat-message', { roomId: room.id, content: 'not seated' });
    const error = await outsider.next('error');
    assert.equal(error.code, 'NOT_IN_ROOM');
    assertRefused(await outsider.ack('join-room', { roomCode: room.code }), 'JOIN_FAILED', 'Room is locked');
    await outsider.next('join-error');
    for (const entry of outsider.log.filter((e) => e.event === 'error' || e.event === 'join-error')) {
      assert.equal(offsetOf(entry), undefined, `${entry.event} must not carry an offset: ${JSON.stringify(entry.args)}`);
      assert.equal(entry.args.length, 1, `${entry.event} has its payload only`);
    }
  });
});

describe('recovery on the same node', () => {
  test('a dropped transport comes back recovered with its id, seat, media state and every missed event in order, once', async () => {
    const { room, host, hostUser, guests, away } = await meetingWithAway(node);
    const [other] = guests;
    // its own media state, and one event with an offset received before the drop
    assertOk(await away.ack('toggle-audio', { roomId: room.id, enabled: false }));
    await host.next('user-toggle-audio');
    await other.next('user-toggle-audio');
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'before the drop' }));
    assert.equal((await away.next('chat-message')).content, 'before the drop');
    await other.next('chat-message');
    await host.next('chat-message');
    const id = away.id;
    const watching = marks([host, other]);

    const mark = away.log.length;
    await dropTransport(away, { stayAway: true });
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'missed 1' }));
    const newcomer = await guest(node, 'Newcomer');
    const newcomerJoined = await seat(newcomer, room.code, [host, other]);
    assertOk(await other.ack('offer', { targetId: id, sdp: offer('offer from Other') }), 'an offer to a socket within its window');
    assertOk(await other.ack('ice-candidate', { targetId: id, candidate: candidate('c1') }));
    assertOk(await other.ack('ice-candidate', { targetId: id, candidate: candidate('c2') }));
    assertOk(await host.ack('toggle-video', { roomId: room.id, enabled: false }));
    assertOk(await newcomer.ack('chat-message', { roomId: room.id, content: 'missed 2' }));

    const back = await comeBack(away);
    assert.equal(back.recovered, true, 'socket.recovered after a reconnect within RECOVERY_WINDOW');
    assert.equal(back.id, id, 'a recovered socket keeps its id');
    const missed = await assertReceivedInOrder(away, mark, [
      `chat-message ${host.id} missed 1`,
      `user-joined ${newcomer.id}`,
      `offer ${other.id} offer from Other`,
      `ice-candidate ${other.id} ${candidate('c1').candidate}`,
      `ice-candidate ${other.id} ${candidate('c2').candidate}`,
      `user-toggle-video ${host.id} false`,
      `chat-message ${newcomer.id} missed 2`,
    ], { what: 'missed events' });
    assertOffsets(missed, 'missed events');

    assertNobodySawItLeave(watching, id, 'Away');
    const seen = newcomerJoined.participants.find((p) => p.socketId === id);
    assert.ok(seen, 'a newcomer during the window sees the absent socket seated');
    assertParticipant(seen, { displayName: 'Away', isMuted: true });
    const seats = await seatsOf(node, room, hostUser, id);
    assert.equal(seats.length, 1, 'exactly one seat');
    assert.equal(seats[0].isMuted, true, 'media state is kept');

    // the seat works without a new join-room, and live events still arrive once
    const live = away.log.length;
    const ack = await away.ack('chat-message', { roomId: room.id, content: 'back again' });
    assertOk(ack, 'chat after recovery');
    assert.deepEqual(await host.next('chat-message', { where: (m) => m.content === 'back again' }), ack.message);
    assertOk(await host.ack('offer', { targetId: id, sdp: offer('after recovery') }));
    await assertReceivedInOrder(away, live, [`chat-message ${id} back again`, `offer ${host.id} after recovery`], { what: 'live events' });
    assertNobodySawItLeave(watching, id, 'Away');
  });

  test('signals sent without pause across the drop and the automatic reconnect arrive once each, in order', async () => {
    const { host, guests, away } = await meetingWithAway(node);
    const id = away.id;
    const watching = marks([host, guests[0]]);
    const mark = away.log.length;
    const streaming = streamCandidates(host, id, { count: 60, everyMs: 20, tag: 'across' });
    await delay(300);
    const reconnect = nextConnect(away);
    await dropTransport(away);
    const back = await reconnect;
    assert.equal(back.recovered, true, 'socket.recovered');
    assert.equal(back.id, id);
    const expected = await streaming;
    await assertReceivedInOrder(away, mark, expected, { what: 'candidates sent across the reconnect' });
    assertNobodySawItLeave(watching, id, 'Away');
  });

  test('a client that received nothing yet (no offset to echo) recovers its id and then joins as usual', async () => {
    const { room, host } = await meeting(node);
    const fresh = await guest(node, 'Fresh', RECONNECTING);
    const id = fresh.id;
    const reconnect = nextConnect(fresh);
    await dropTransport(fresh);
    const back = await reconnect;
    assert.equal(back.recovered, true, 'a missing offset means "from the session\'s start"');
    assert.equal(back.id, id);
    await seat(fresh, room.code, [host]); // the host sees user-joined for the same id
  });

  test('a client whose only event was its room-joined recovers the events that followed it', async () => {
    const { room, host, guests, away } = await meetingWithAway(node);
    const [other] = guests;
    const id = away.id;
    const watching = marks([host, other]);
    const mark = away.log.length;
    await dropTransport(away, { stayAway: true });
    assertOk(await other.ack('offer', { targetId: id, sdp: offer('first contact') }));
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'first words' }));
    const back = await comeBack(away);
    assert.equal(back.recovered, true, 'socket.recovered');
    assert.equal(back.id, id);
    await assertReceivedInOrder(away, mark, [`offer ${other.id} first contact`, `chat-message ${host.id} first words`]);
    assertNobodySawItLeave(watching, id, 'Away');
  });

  test('join-room re-sent after a recovery answers room-joined without side effects, and a second recovery replays nothing twice', async () => {
    const { room, host, hostUser, guests, away } = await meetingWithAway(node);
    const [other] = guests;
    const id = away.id;
    const watching = marks([host, other]);
    await dropTransport(away, { stayAway: true });
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'missed once' }));
    const back = await comeBack(away);
    assert.equal(back.recovered, true, 'socket.recovered');
    assert.equal((await away.next('chat-message')).content, 'missed once');

    const ack = await away.ack('join-room', { roomCode: room.code });
    assertOk(ack, 'join-room of the room the recovered socket sits in');
    const joined = await away.next('room-joined');
    assert.equal(joined.roomId, room.id);
    assert.deepEqual(joined.participants.map((p) => p.socketId), [host.id, other.id], 'everyone else, not itself');
    await host.none('user-joined');
    await other.none('user-joined', { within: 0 });
    assert.equal((await seatsOf(node, room, hostUser, id)).length, 1, 'no second seat');
    assert.equal((await lookupCode(node, room.code)).body.participantCount, 3);

    // the answer to the re-sent join must not move the client's offset back: a second drop replays only what is new
    const mark = away.log.length;
    await dropTransport(away, { stayAway: true });
    assertOk(await other.ack('chat-message', { roomId: room.id, content: 'missed twice' }));
    const again = await comeBack(away);
    assert.equal(again.recovered, true, 'recovered again');
    assert.equal(again.id, id);
    await assertReceivedInOrder(away, mark, [`chat-message ${other.id} missed twice`], { what: 'events after the second drop' });
    assertNobodySawItLeave(watching, id, 'Away');
  });
});

describe('both ways of re-joining after a reconnect end with one seat', () => {
  /**
   * `pattern` "seed": the seed documentation's client, which re-sends join-room on `connect` when
   * `socket.recovered` is true; "socket.io": Socket.IO's guidance, which re-sends it when it is false.
   * Both joined once already (the first `connect` has passed when `guest` resolves).
   */
  async function reconnectWith(pattern) {
    const { room, host, hostUser, guests, away } = await meetingWithAway(node);
    const [other] = guests;
    const id = away.id;
    const joinAcks = [];
    away.socket.on('connect', () => {
      const resend = pattern === 'seed' ? away.socket.recovered : !away.socket.recovered;
      if (resend) away.socket.emit('join-room', { roomCode: room.code }, (answer) => joinAcks.push(answer));
    });
    const watching = marks([host, other]);
    const reconnect = nextConnect(away);
    await dropTransport(away); // the automatic reconnect follows at once
    const back = await reconnect;
    assert.equal(back.recovered, true, 'socket.recovered');
    assert.equal(back.id, id);
    if (pattern === 'seed') {
      const joined = await away.next('room-joined');
      assert.equal(joined.roomId, room.id);
      await eventually('the ack of the re-sent join-room', () => assert.equal(joinAcks.length, 1), { timeoutMs: 3_000 });
      assertOk(joinAcks[0], 're-sent join-room');
    } else {
      await away.none('room-joined');
      assert.equal(joinAcks.length, 0, 'Socket.IO\'s pattern sends nothing after a recovery');
    }
    await host.none('user-joined');
    await host.none('user-left', { within: 0 });
    assertNobodySawItLeave(watching, id, 'Away');
    const state = await roomState(node, room, hostUser);
    assert.deepEqual(state.participants.map((p) => p.socketId), [host.id, other.id, id], 'exactly one seat for the reconnected client');
    const ack = await away.ack('chat-message', { roomId: room.id, content: `${pattern} pattern seated` });
    assertOk(ack);
    assert.deepEqual(await other.next('chat-message'), ack.message);
  }

  test('the seed pattern (join-room again when recovered) ends with one seat and nobody saw it leave', async () => {
    await reconnectWith('seed');
  });

  test('Socket.IO\'s pattern (join-room again only when not recovered) ends with one seat and nobody saw it leave', async () => {
    await reconnectWith('socket.io');
  });
});

describe('no recovery', () => {
  test('disconnect() releases the seat at once with user-left disconnected and the next connect is a new socket', async () => {
    const { room, host, guests, away } = await meetingWithAway(node);
    const [other] = guests;
    const id = away.id;
    const started = performance.now();
    away.socket.disconnect();
    for (const peer of [host, other]) {
      assertHas(await peer.next('user-left', { timeout: 2_000 }), { socketId: id, reason: 'disconnected' }, `${peer.label} user-left`);
    }
    assert.ok(performance.now() - started < 2_000, 'a Socket.IO disconnect is not held for the recovery window');
    const back = await comeBack(away);
    assert.equal(back.recovered, false, 'a client that called disconnect() is not recovered');
    assert.notEqual(back.id, id, 'a new socket id');
    assertRefused(await away.ack('chat-message', { roomId: room.id, content: 'still here?' }), 'NOT_IN_ROOM');
    await host.none('user-joined');
  });

  test('a participant removed by the host is not recovered when it connects again', async () => {
    const { room, host, guests } = await meeting(node, { guests: ['Witness'] });
    const [witness] = guests;
    const user = newUser('Removed');
    const removed = await member(node, user, RECONNECTING);
    await seat(removed, room.code, [host, witness]);
    const id = removed.id;
    assertOk(await host.ack('remove-participant', { roomId: room.id, participantId: id }));
    assertHas(await removed.next('force-disconnect'), { reason: 'Removed by host' });
    await removed.disconnected(5_000);
    for (const peer of [host, witness]) {
      assertHas(await peer.next('user-left'), { socketId: id, reason: 'removed' }, `${peer.label} user-left`);
    }
    const back = await comeBack(removed);
    assert.equal(back.recovered, false, 'a removed participant is not recovered');
    assert.notEqual(back.id, id, 'a new socket id');
    assertRefused(await removed.ack('join-room', { roomCode: room.code }), 'JOIN_FAILED', 'Removed by host');
    await host.none('user-joined');
    await witness.none('user-left', { within: 0 });
  });
});

describe('past the recovery window (RECOVERY_WINDOW=2s)', () => {
  const WINDOW_MS = 2_000;
  let shortNode;

  before(async () => {
    shortNode = await startNode({ NODE_ID: 'conf-recovery-short', RECOVERY_WINDOW: '2s' });
  });
  after(async () => {
    await closeAllPeers();
    await shortNode?.stop();
  });

  test('the seat is held for the window, then released with user-left disconnected, and the client comes back as a new socket', async () => {
    const { room, host, hostUser, guests, away } = await meetingWithAway(shortNode);
    const [other] = guests;
    const id = away.id;
    const droppedAt = performance.now();
    await dropTransport(away, { stayAway: true });
    // the held session is not a connected socket (the figure the autoscaler reads), but is counted apart
    await eventually('the dropped client counted as detached', async () => {
      assert.deepEqual(await sessionGauges(shortNode), { connected: 2, detached: 1 });
    }, { timeoutMs: 1_000 });

    await host.none('user-left', { within: WINDOW_MS - 600 });
    assert.equal((await lookupCode(shortNode, room.code)).body.participantCount, 3, 'the seat is held within the window');
    const left = await host.next('user-left', { timeout: WINDOW_MS + 3_000 });
    const elapsed = performance.now() - droppedAt;
    assertHas(left, { socketId: id, reason: 'disconnected' }, 'user-left past the window');
    assert.ok(elapsed >= WINDOW_MS - 100, `user-left ${Math.round(elapsed)} ms after the drop, before the ${WINDOW_MS} ms window elapsed`);
    assertHas(await other.next('user-left'), { socketId: id, reason: 'disconnected' });
    assert.deepEqual(await sessionGauges(shortNode), { connected: 2, detached: 0 }, 'nothing held past the window');

    // Socket.IO's pattern: not recovered, so it joins anew
    const back = await comeBack(away, { timeout: 8_000 });
    assert.equal(back.recovered, false, 'no recovery past the window');
    assert.notEqual(back.id, id, 'a new socket id');
    await seat(away, room.code, [host, other]);
    const state = await roomState(shortNode, room, hostUser);
    assert.deepEqual(state.participants.map((p) => p.socketId), [host.id, other.id, back.id], 'one seat, under the new id');
    await delay(200);
    assert.equal(host.log.filter((e) => e.event === 'user-left').length, 1, 'user-left once');
  });

  test('a client that comes back within the short window still recovers', async () => {
    const { room, host, away } = await meetingWithAway(shortNode);
    const id = away.id;
    await dropTransport(away, { stayAway: true });
    assertOk(await host.ack('chat-message', { roomId: room.id, content: 'quick' }));
    await delay(WINDOW_MS / 2);
    const back = await comeBack(away);
    assert.equal(back.recovered, true, 'socket.recovered');
    assert.equal(back.id, id);
    assert.equal((await away.next('chat-message')).content, 'quick');
    await host.none('user-left', { within: WINDOW_MS + 500 });
  });
});

describe('RECOVERY_WINDOW=0 switches recovery off', () => {
  let offNode;

  before(async () => {
    offNode = await startNode({ NODE_ID: 'conf-recovery-off', RECOVERY_WINDOW: '0' });
  });
  after(async () => {
    await closeAllPeers();
    await offNode?.stop();
  });

  test('the CONNECT answer has no pid and a dropped transport is a plain disconnect', async () => {
    const raw = await openRaw(offNode);
    try {
      const answer = await raw.connectNamespace({ displayName: 'Raw' });
      assert.equal(answer.ok, true, answer.packet);
      assert.equal(typeof answer.data?.sid, 'string');
      assert.equal(answer.data?.pid, undefined, `no pid without recovery: ${answer.packet}`);
    } finally {
      raw.close();
    }

    const { host, guests, away } = await meetingWithAway(offNode);
    const id = away.id;
    const reconnect = nextConnect(away);
    await dropTransport(away);
    assertHas(await host.next('user-left', { timeout: 2_000 }), { socketId: id, reason: 'disconnected' });
    assertHas(await guests[0].next('user-left'), { socketId: id, reason: 'disconnected' });
    const back = await reconnect;
    assert.equal(back.recovered, false);
    assert.notEqual(back.id, id);
  });
});
