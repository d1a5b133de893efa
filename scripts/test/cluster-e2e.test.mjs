// End-to-end test of a local cluster: `scripts/cluster up 3` (Redis, three nodes, HAProxy), then
// the official socket.io-client through HAProxy only, over WebSocket and HTTP long-polling:
// spreading and stickiness, a whole meeting across nodes, and a node killed with SIGKILL.
// `scripts/cluster down` always runs at the end (also on failure, timeout or Ctrl-C).
//
//   cd scripts/test && npm ci && npm test
//
// Needs java, redis-server, haproxy and curl on the PATH; builds the jar if it is missing. Uses
// the ports of scripts/cluster (3001, 8404, 310N, 910N, 6390) and its own run folder
// run/cluster-e2e/ (CLUSTER_RUN_DIR overrides it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLUSTER = resolve(root, 'scripts/cluster');
const PORT = Number(process.env.CLUSTER_PORT ?? 3001);
const BASE = `http://127.0.0.1:${PORT}`;
const NODES = 3;
/** The whole file must finish well inside two minutes; past this everything is torn down. */
const WATCHDOG_MS = 140_000;
/** NODE_TTL (10 s) plus a sweep interval and delivery: PROTOCOL.md §8 says "within NODE_TTL". */
const NODE_LOST_DEADLINE_MS = 20_000;

const clusterEnv = {
  ...process.env,
  CLUSTER_RUN_DIR: process.env.CLUSTER_RUN_DIR ?? resolve(root, 'run/cluster-e2e'),
  DRAIN_SECONDS: '2',
  NODE_TTL: '10s',
  // a dead node's seats wait out the recovery window (its clients may come back elsewhere); kept equal to
  // NODE_TTL here so that the node-lost deadline below stays that of §8
  RECOVERY_WINDOW: '10s',
  ALLOW_GUESTS: 'true',
  ROOMS_AUTO_CREATE: 'false',
  CLUSTER_STOP_TIMEOUT: '15',
};

function cluster(args, timeoutMs = 60_000) {
  const result = spawnSync(CLUSTER, args, { env: clusterEnv, encoding: 'utf8', timeout: timeoutMs });
  if (result.error || result.status !== 0) {
    throw new Error(`scripts/cluster ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  }
  return result.stdout.trim();
}

// ---- teardown that always happens -------------------------------------------------------------

const sockets = new Set();
let tornDown = false;
function teardown() {
  if (tornDown) return;
  tornDown = true;
  for (const socket of sockets) socket.disconnect();
  try {
    cluster(['down'], 60_000);
  } catch (error) {
    console.error(error.message);
  }
}
const watchdog = setTimeout(() => {
  console.error(`cluster-e2e: watchdog after ${WATCHDOG_MS} ms, tearing down`);
  teardown();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    teardown();
    process.exit(130);
  });
}
process.on('exit', teardown);

// ---- helpers ----------------------------------------------------------------------------------

function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
async function eventually(what, ms, check) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`${what}: not within ${ms} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/** signaling_sockets_connected of node i, or null when it does not answer. */
async function socketsOn(i) {
  try {
    const response = await fetch(`http://127.0.0.1:910${i}/metrics`, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    const match = /^signaling_sockets_connected\s+([0-9.eE+-]+)/m.exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

async function socketCounts() {
  const counts = [];
  for (let i = 1; i <= NODES; i++) counts.push(await socketsOn(i));
  return counts;
}

/** Connects through HAProxy; resolves once connected, with the node it landed on (1-based). */
async function connect(name, { transports, auth, pin, reconnection = true, cookies = false }) {
  const before = await socketCounts();
  const socket = io(BASE, {
    transports,
    auth,
    forceNew: true,
    reconnection,
    reconnectionDelay: 300,
    reconnectionDelayMax: 1000,
    timeout: 5000,
    // HAProxy routes a request that carries SIGNODE=nodeX to node X: the test decides where
    // each participant sits. Without a pin, HAProxy chooses and its cookie keeps the session there.
    extraHeaders: pin ? { cookie: `SIGNODE=node${pin}` } : {},
    // Node.js socket.io-client keeps cookies (HAProxy's SIGNODE) only with withCredentials.
    withCredentials: cookies,
  });
  sockets.add(socket);
  socket.events = [];
  socket.onAny((event, ...args) => socket.events.push({ event, args, at: Date.now() }));
  socket.label = name;
  // after a lost connection, let HAProxy choose a live node (the pinned one may be gone)
  socket.io.on('reconnect_attempt', () => {
    socket.io.opts.extraHeaders = {};
    socket.io.opts.withCredentials = true;
  });
  await new Promise((resolveConnect, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no connect within 10 s`)), 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolveConnect();
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${name}: connect_error ${error.message}`));
    });
  });
  const node = await eventually(`${name}: counted on a node`, 5000, async () => {
    const now = await socketCounts();
    const grown = now.map((count, i) => (count ?? 0) - (before[i] ?? 0)).findIndex((d) => d === 1);
    return grown >= 0 ? grown + 1 : null;
  });
  return { socket, node };
}

/** The first `event` received by `socket` (already or within `ms`) whose payload satisfies `match`. */
function received(socket, event, match = () => true, ms = 5000) {
  return eventually(`${socket.label}: ${event}`, ms, () => {
    const hit = socket.events.find((e) => e.event === event && match(e.args[0]));
    return hit ? hit.args[0] : null;
  });
}

async function ack(socket, event, payload) {
  return socket.timeout(5000).emitWithAck(event, payload);
}

// ---- the cluster ------------------------------------------------------------------------------

before(() => {
  cluster(['down'], 60_000); // leftovers of an interrupted run of this test (its own run folder only)
  cluster(['up', String(NODES)], 100_000);
});

after(() => {
  teardown();
  clearTimeout(watchdog);
});

// ---- tests ------------------------------------------------------------------------------------

test('HAProxy spreads unpinned WebSocket clients over all nodes', { timeout: 30_000 }, async () => {
  const placed = [];
  for (let i = 0; i < NODES; i++) {
    const { socket, node } = await connect(`spread${i}`, { transports: ['websocket'], auth: { displayName: `Spread ${i}` } });
    placed.push(node);
    assert.equal(socket.io.engine.transport.name, 'websocket');
  }
  assert.deepEqual([...placed].sort(), [1, 2, 3], `leastconn should put one client on each node, got ${placed}`);
  for (const socket of [...sockets]) {
    socket.disconnect();
    sockets.delete(socket);
  }
  await eventually('sockets closed on every node', 5000, async () => (await socketCounts()).every((c) => c === 0));
});

test('a long-polling session stays on one node through the SIGNODE cookie', { timeout: 30_000 }, async () => {
  const { socket, node } = await connect('poller', { transports: ['polling'], auth: { displayName: 'Poller' }, cookies: true });
  assert.equal(socket.io.engine.transport.name, 'polling');
  // every acknowledged event is a POST plus a GET; without stickiness they would hit other
  // nodes, which do not know the session, and the client would be disconnected
  for (let i = 0; i < 8; i++) {
    const answer = await ack(socket, 'leave-room', { roomId: 'none' });
    assert.equal(answer.success, false);
  }
  assert.ok(socket.connected);
  const counts = await socketCounts();
  assert.equal(counts[node - 1], 1, `still on node${node}: ${counts}`);
  socket.disconnect();
  sockets.delete(socket);
});

const meeting = {};

test('a meeting across three nodes: REST, join, offer/answer/ICE in order, chat', { timeout: 40_000 }, async () => {
  const token = cluster(['token', 'alice', 'Alice']);
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const created = await fetch(`${BASE}/api/rooms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'E2E standup' }),
  });
  assert.equal(created.status, 201);
  const room = await created.json();
  assert.match(room.code, /^[a-z]{3}-[a-z]{3}-[a-z]{3}$/);
  meeting.room = room;

  // where everyone sits: alice on node1, bob (polling) and dave on node2, carol on node3
  const alice = await connect('alice', { transports: ['websocket'], auth: { token }, pin: 1 });
  const bob = await connect('bob', { transports: ['polling'], auth: { displayName: 'Bob' }, pin: 2 });
  const carol = await connect('carol', { transports: ['websocket'], auth: { displayName: 'Carol' }, pin: 3 });
  // dave's client never comes back once its node dies: others must see him leave (node-lost)
  const dave = await connect('dave', { transports: ['websocket'], auth: { displayName: 'Dave' }, pin: 2, reconnection: false });
  assert.deepEqual([alice.node, bob.node, carol.node, dave.node], [1, 2, 3, 2]);
  Object.assign(meeting, { alice: alice.socket, bob: bob.socket, carol: carol.socket, dave: dave.socket });

  const joinedHost = await ack(alice.socket, 'join-room', { roomCode: room.code });
  assert.equal(joinedHost.success, true, JSON.stringify(joinedHost));
  assert.equal(joinedHost.isHost, true);
  for (const guest of [bob.socket, carol.socket, dave.socket]) {
    const joined = await ack(guest, 'join-room', { roomCode: room.code });
    assert.equal(joined.success, true, JSON.stringify(joined));
    assert.equal(joined.roomId, room.id);
    await received(alice.socket, 'user-joined', (p) => p.participant.socketId === guest.id);
  }
  const roster = await ack(carol.socket, 'join-room', { roomCode: room.code }); // rejoin: harmless
  assert.deepEqual(roster.participants.map((p) => p.displayName).sort(), ['Alice', 'Bob', 'Dave']);

  // WebRTC signaling node1 -> node2 -> node1, ICE strictly after its offer and in order
  const sdp = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' };
  alice.socket.emit('offer', { targetId: bob.socket.id, sdp });
  for (let i = 0; i < 5; i++) {
    alice.socket.emit('ice-candidate', { targetId: bob.socket.id, candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${9000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });
  }
  const offer = await received(bob.socket, 'offer');
  assert.equal(offer.senderId, alice.socket.id);
  assert.equal(offer.displayName, 'Alice');
  assert.deepEqual(offer.sdp, sdp);
  await eventually('five ICE candidates at bob', 5000, () => bob.socket.events.filter((e) => e.event === 'ice-candidate').length === 5);
  const relayed = bob.socket.events.filter((e) => e.event === 'offer' || e.event === 'ice-candidate');
  assert.deepEqual(relayed.map((e) => e.event), ['offer', 'ice-candidate', 'ice-candidate', 'ice-candidate', 'ice-candidate', 'ice-candidate']);
  assert.deepEqual(relayed.slice(1).map((e) => e.args[0].candidate.candidate.split(' ')[0]), ['candidate:0', 'candidate:1', 'candidate:2', 'candidate:3', 'candidate:4']);
  bob.socket.emit('answer', { targetId: alice.socket.id, sdp: { type: 'answer', sdp: 'v=0\r\n' } });
  const answer = await received(alice.socket, 'answer');
  assert.equal(answer.senderId, bob.socket.id);
  carol.socket.emit('ice-candidate', { targetId: alice.socket.id, candidate: { candidate: 'candidate:c 1 udp 1 127.0.0.1 9100 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
  assert.equal((await received(alice.socket, 'ice-candidate', (p) => p.senderId === carol.socket.id)).senderId, carol.socket.id);

  // chat from node3 reaches every node, the sender included
  const sent = await ack(carol.socket, 'chat-message', { roomId: room.id, content: 'hello from node3' });
  assert.equal(sent.success, true, JSON.stringify(sent));
  for (const socket of [alice.socket, bob.socket, carol.socket, dave.socket]) {
    const message = await received(socket, 'chat-message', (m) => m.content === 'hello from node3');
    assert.equal(message.senderName, 'Carol');
  }
});

test('killing node2: its clients reconnect through HAProxy, the others see node-lost', { timeout: 45_000 }, async (t) => {
  assert.ok(meeting.room, 'the meeting test must have run');
  const { alice, bob, carol, dave, room } = meeting;
  const daveId = dave.id;
  const bobFirstId = bob.id;
  let reconnectedAt = null;
  let recovered = null;
  bob.on('connect', () => {
    reconnectedAt ??= Date.now();
    recovered = bob.recovered;
  });

  const killedAt = Date.now();
  cluster(['kill', '2']);

  // bob reconnects by himself through HAProxy, to a node that is alive
  await eventually('bob reconnected', 15_000, () => reconnectedAt !== null && bob.connected);
  t.diagnostic(`bob reconnected after ${reconnectedAt - killedAt} ms (recovered: ${recovered}, same id: ${bob.id === bobFirstId})`);
  const counts = await socketCounts();
  assert.equal(counts[1], null, 'node2 is dead');
  // a client re-sends join-room on connect (PROTOCOL.md §9: with or without recovery)
  const rejoined = await ack(bob, 'join-room', { roomCode: room.code });
  assert.equal(rejoined.success, true, JSON.stringify(rejoined));

  // dave is gone for good: within NODE_TTL the others learn it, with reason node-lost
  for (const socket of [alice, carol]) {
    const left = await received(socket, 'user-left', (p) => p.socketId === daveId, NODE_LOST_DEADLINE_MS - (Date.now() - killedAt));
    assert.equal(left.reason, 'node-lost');
  }
  t.diagnostic(`node-lost seen after ${Date.now() - killedAt} ms`);
  assert.equal(dave.connected, false);

  // and the meeting goes on between the surviving nodes
  const sent = await ack(bob, 'chat-message', { roomId: room.id, content: 'bob is back' });
  assert.equal(sent.success, true, JSON.stringify(sent));
  for (const socket of [alice, carol]) {
    await received(socket, 'chat-message', (m) => m.content === 'bob is back');
  }
  const status = cluster(['status']);
  assert.match(status, /node2\s+-\s+\S+\s+stopped/);
});

test('a draining node3: new sessions pinned to it are taken by another node instead of its 503', { timeout: 30_000 }, async (t) => {
  // clients on node3 make its drain last (their transports are closed over DRAIN_SECONDS)
  for (let i = 0; i < 4; i++) {
    await connect(`stay${i}`, { transports: ['websocket'], auth: { displayName: `Stay ${i}` }, pin: 3, reconnection: false });
  }
  const readyz3 = async () => {
    try {
      return (await fetch('http://127.0.0.1:9103/readyz', { signal: AbortSignal.timeout(1000) })).status;
    } catch {
      return null; // gone
    }
  };
  assert.equal(await readyz3(), 200);
  cluster(['term', '3']);

  // Engine.IO handshakes carrying node3's cookie, all sent to node3 first: it refuses each with 503
  // while it drains, and HAProxy asks another node instead (retry-on 503, redispatch). A retry may land
  // on node3 again until HAProxy's health check takes it out, so a few may still see the 503; without
  // the retries every one of them would.
  let during = 0;
  const refused = [];
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    let response;
    try {
      response = await fetch(`${BASE}/socket.io/?EIO=4&transport=polling`, {
        headers: { cookie: 'SIGNODE=node3' },
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      // the one request in flight at the instant node3 exits may be cut (a client retries it); only then
      if ((await readyz3()) === null) break;
      throw error;
    }
    const body = await response.text();
    if ((await readyz3()) !== 503) continue; // not yet, or no longer, draining
    during++;
    if (response.status === 503) {
      refused.push(body);
    } else {
      assert.equal(response.status, 200, body);
      assert.match(body, /"sid"/);
      assert.doesNotMatch(response.headers.get('set-cookie') ?? '', /SIGNODE=node3/);
    }
  }
  t.diagnostic(`${during} handshakes pinned to node3 while it drained; ${refused.length} reached the client as 503`);
  assert.ok(during >= 10, `node3 drained too fast to test (${during} handshakes during its drain)`);
  assert.ok(refused.length <= during / 10, `${refused.length} of ${during} saw node3's 503: ${refused[0]}`);
  await eventually('node3 stopped', 15_000, async () => (await readyz3()) === null);
});
