// Connection state recovery (PROTOCOL §9) from the client's side: sockets that reconnect by themselves,
// transports dropped on purpose (never a Socket.IO disconnect), reconnects steered to another node, and
// the offset that every server→client event travelling through a room's log carries as its last argument.
import assert from 'node:assert/strict';
import { SILENCE_MS } from './peer.js';

/**
 * socket.io-client options of a client that reconnects by itself, quickly and without jitter (the
 * defaults would wait 1–5 s). Give them to `guest` / `member` / `spreadMeeting`.
 */
export const RECONNECTING = Object.freeze({
  reconnection: true,
  reconnectionDelay: 100,
  reconnectionDelayMax: 500,
  randomizationFactor: 0,
});

/** How long a reconnect may take: the back-off above plus a handshake on a busy machine. */
export const RECONNECT_TIMEOUT_MS = 8_000;

const urlOf = (node) => (typeof node === 'string' ? node : node.url);

/**
 * Resolves with `{ id, recovered }` at the peer's next `connect` (register it before the reconnect can
 * happen); rejects after `timeout` ms, naming the last connect_error.
 */
export function nextConnect(peer, timeout = RECONNECT_TIMEOUT_MS) {
  const socket = peer.socket;
  let lastError = null;
  return new Promise((resolve, reject) => {
    const onError = (error) => (lastError = error);
    const onConnect = () => {
      clearTimeout(timer);
      socket.off('connect_error', onError);
      resolve({ id: socket.id, recovered: socket.recovered === true, at: performance.now() });
    };
    const timer = setTimeout(() => {
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      reject(new Error(`${peer.label}: no reconnect within ${timeout} ms (last connect_error: ${lastError?.message ?? 'none'})`));
    }, timeout);
    socket.once('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

/**
 * Closes the peer's transport the way a network drop or a draining node does (Engine.IO close, not a
 * Socket.IO DISCONNECT), so socket.io-client keeps its pid and offset and reconnects by itself.
 *
 * `to`: the node the reconnect goes to (the Manager opens every new Engine.IO connection on
 * `socket.io.uri`). `stayAway`: switch the automatic reconnect off first; `comeBack` connects again.
 * Resolves with the disconnect reason once the socket is disconnected; the `disconnect` entry is taken
 * out of the inbox so that it does not count as a received event.
 */
export async function dropTransport(peer, { to, stayAway = false } = {}) {
  const socket = peer.socket;
  assert.ok(socket.connected, `${peer.label}: cannot drop the transport of a socket that is not connected`);
  if (to) socket.io.uri = urlOf(to);
  if (stayAway) socket.io.reconnection(false);
  const gone = new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
  socket.io.engine.close();
  const reason = await gone;
  peer.take('disconnect');
  return reason;
}

/**
 * Connects a peer that stayed away (`dropTransport(..., { stayAway: true })`, `disconnect()`, or a
 * server disconnect) again, to `to` when given, with automatic reconnection switched back on. Resolves
 * with `{ id, recovered }` of that connect.
 */
export function comeBack(peer, { to, timeout = RECONNECT_TIMEOUT_MS } = {}) {
  const socket = peer.socket;
  if (to) socket.io.uri = urlOf(to);
  const back = nextConnect(peer, timeout);
  socket.io.reconnection(true);
  socket.connect();
  return back;
}

/**
 * Steers every automatic reconnect of `peer` to one of `nodes` (round robin), as a client behind a load
 * balancer would land on a surviving node: the URI is switched on `disconnect`, before the Manager
 * opens its next connection.
 */
export function reconnectTo(peer, nodes) {
  let next = 0;
  peer.socket.on('disconnect', () => {
    peer.socket.io.uri = urlOf(nodes[next % nodes.length]);
    next += 1;
  });
}

/** The offset an event carries as its last argument (a string after the payload), or undefined. */
export function offsetOf(entry) {
  const last = entry.args.at(-1);
  return entry.args.length >= 2 && typeof last === 'string' ? last : undefined;
}

/** A short, comparable description of one received event: event name and the fields that identify it. */
export function label(entry) {
  const d = entry.data ?? {};
  switch (entry.event) {
    case 'chat-message':
      return `chat-message ${d.senderId} ${d.content}`;
    case 'offer':
    case 'answer':
      return `${entry.event} ${d.senderId} ${d.sdp?.sdp}`;
    case 'ice-candidate':
      return `ice-candidate ${d.senderId} ${d.candidate?.candidate}`;
    case 'user-joined':
      return `user-joined ${d.participant?.socketId}`;
    case 'user-left':
      return `user-left ${d.socketId} ${d.reason}`;
    case 'user-toggle-audio':
    case 'user-toggle-video':
      return `${entry.event} ${d.socketId} ${d.enabled}`;
    case 'user-hand-raised':
    case 'user-hand-lowered':
    case 'screen-share-started':
    case 'screen-share-stopped':
      return `${entry.event} ${d.socketId}`;
    case 'room-joined':
      return `room-joined ${d.roomId}`;
    default:
      return `${entry.event} ${JSON.stringify(d).slice(0, 120)}`;
  }
}

/** Every event `peer` received after `mark` (an index into `peer.log`), disconnects left out. */
export function receivedSince(peer, mark) {
  return peer.log.slice(mark).filter((e) => e.event !== 'disconnect');
}

/**
 * Waits until `peer` received as many events after `mark` as `expected` holds (labels, see `label`),
 * then for a silence, and asserts that it received exactly those, in that order: nothing lost, nothing
 * twice, nothing else. Resolves with the received entries.
 */
export async function assertReceivedInOrder(peer, mark, expected, { timeout = RECONNECT_TIMEOUT_MS, what = 'events' } = {}) {
  const deadline = Date.now() + timeout;
  while (receivedSince(peer, mark).length < expected.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, SILENCE_MS));
  const entries = receivedSince(peer, mark);
  assert.deepEqual(entries.map(label), expected, `${peer.label}: ${what} received after ${mark}, in order and once each`);
  return entries;
}

/**
 * Asserts that each entry carries an offset (a non-empty string as its last argument) and that no two
 * carry the same one: a client can only say "everything up to X", so two events at one offset could not
 * both be recovered exactly once.
 */
export function assertOffsets(entries, what = 'event') {
  const seen = new Map();
  for (const entry of entries) {
    const offset = offsetOf(entry);
    assert.ok(
      typeof offset === 'string' && offset.length > 0,
      `${what}: ${entry.event} must carry an offset as its last argument, got arguments ${JSON.stringify(entry.args).slice(0, 300)}`,
    );
    assert.ok(!seen.has(offset), `${what}: ${entry.event} and ${seen.get(offset)} carry the same offset ${offset}`);
    seen.set(offset, entry.event);
  }
}

/**
 * Sends `count` ice-candidates from `sender` to `targetId`, one every `everyMs` ms, each acknowledged before
 * the next (so the order is defined), e.g. across a drop and a reconnect of the target. Resolves with the
 * labels the target must receive, in order.
 */
export async function streamCandidates(sender, targetId, { count = 60, everyMs = 20, tag = 'stream' } = {}) {
  const expected = [];
  for (let i = 0; i < count; i++) {
    const candidate = { candidate: `candidate:${tag}-${i} 1 udp 2122260223 192.0.2.1 ${40000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 };
    const ack = await sender.ack('ice-candidate', { targetId, candidate });
    assert.equal(ack?.success, true, `${sender.label}: ice-candidate ${i} to ${targetId}: ${JSON.stringify(ack)}`);
    expected.push(`ice-candidate ${sender.id} ${candidate.candidate}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return expected;
}

/** Where each peer's log stands now: `Map<Peer, index>` for `assertNobodySawItLeave`. */
export function marks(peers) {
  return new Map(peers.map((peer) => [peer, peer.log.length]));
}

/** The user-left and user-joined events about `socketId` in `entries` (none, after a recovery). */
export function comingsAndGoings(entries, socketId) {
  return entries
    .filter(
      (e) =>
        (e.event === 'user-left' && e.data?.socketId === socketId) ||
        (e.event === 'user-joined' && e.data?.participant?.socketId === socketId),
    )
    .map(label);
}

/** Asserts that no peer of `since` (see `marks`) saw `socketId` leave or join after its mark. */
export function assertNobodySawItLeave(since, socketId, what = socketId) {
  for (const [peer, at] of since) {
    assert.deepEqual(comingsAndGoings(peer.log.slice(at), socketId), [], `${peer.label} must not see ${what} leave or join`);
  }
}
