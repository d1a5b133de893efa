// PROTOCOL §9 and §7 across nodes: a client that received no event before its transport dropped still recovers
// on another node (a missing offset means "from the session's start"); a room's log stays within its byte bound
// under large offers, and a recovery from before what the bound trimmed fails at once (the client joins anew)
// without any slow Redis call.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { assertOk } from '../../lib/assertions.js';
import { eventually, spreadMeeting, startCluster } from '../../lib/cluster.js';
import { closeAllPeers, guest } from '../../lib/peer.js';
import { assertReceivedInOrder, dropTransport, marks, nextConnect, RECONNECTING } from '../../lib/recovery.js';

let cluster;
let n1;
let n2;
let n3;

before(async () => {
  cluster = await startCluster({
    name: 'recbounds',
    nodes: 3,
    env: { RECOVERY_WINDOW: '8s', RATE_LIMIT_EVENTS_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' },
  });
  [n1, n2, n3] = cluster.nodes;
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

test('a client that received no event recovers on another node and gets what it missed', async () => {
  for (let round = 0; round < 3; round++) {
    const m = await spreadMeeting(n1, { guests: [['Two', n2], { name: 'Away', node: n2, options: RECONNECTING }] });
    const [two, away] = m.guests;
    const id = away.id;
    assert.equal(away.log.filter((e) => e.event !== 'room-joined').length, 0, 'Away got no event before the drop');
    const since = marks([away]);
    const back = nextConnect(away);
    await dropTransport(away, { to: n3 });
    assertOk(await m.host.ack('offer', { targetId: id, sdp: { type: 'offer', sdp: `while away ${round}` } }));
    assertOk(await two.ack('chat-message', { roomId: m.room.id, content: `chat ${round}` }));
    const { id: newId, recovered } = await back;
    assert.equal(recovered, true, `round ${round}: recovered on another node without an offset`);
    assert.equal(newId, id, 'the same socket id');
    await assertReceivedInOrder(away, since.get(away), [`offer ${m.host.id} while away ${round}`, `chat-message ${two.id} chat ${round}`]);
    await closeAllPeers();
  }
});

test('a client in no room whose transport dropped recovers on another node, once, with its socket id', async () => {
  const lone = await guest(n1, 'Lone', RECONNECTING);
  const id = lone.id;
  const back = nextConnect(lone);
  await dropTransport(lone, { to: n2 });
  const { id: newId, recovered } = await back;
  assert.equal(recovered, true, 'recovered on another node without any event received');
  assert.equal(newId, id, 'the same socket id');
  // it is an ordinary socket there: it joins a meeting and talks to a participant of a third node
  const m = await spreadMeeting(n3);
  const { joined } = await lone.join(m.room.code);
  assert.ok(joined.participants.some((p) => p.socketId === m.host.id));
  assertOk(await lone.ack('offer', { targetId: m.host.id, sdp: { type: 'offer', sdp: 'after the move' } }));
  await m.host.next('offer', { where: (d) => d.senderId === id });
  // and the node it left forgot it at once (told by the node that took it), not at the end of its window
  const { metric } = await import('../../lib/abuse.js');
  await eventually('the old node holds no session for it', async () =>
    assert.equal(await metric(n1, 'signaling_sessions_detached'), 0), { timeoutMs: 3_000 }); // the window is 8 s
});

async function memoryUsage(key) {
  return Number((await cluster.redis.cli('MEMORY', 'USAGE', key)) ?? 0);
}

test('the room log stays within its byte bound under 62 KB offers, and replays never block Redis (no call over 50 ms)', { timeout: 110_000 }, async () => {
  const m = await spreadMeeting(n1, {
    guests: [['A2', n2], ['A3', n3], ['B1', n1], ['B2', n2], { name: 'Away', node: n3, options: RECONNECTING }],
  });
  const [a2, a3, b1, b2, away] = m.guests;
  const pairs = [[m.host, b2], [a2, b1], [a3, b2]];
  // 50 ms: on a loaded two-core machine even a SET of a few bytes has taken 14 ms; a replay or trim that read the
  // whole 8 MiB log at once takes far longer than that
  await cluster.redis.cli('CONFIG', 'SET', 'slowlog-log-slower-than', '50000');
  await cluster.redis.cli('SLOWLOG', 'RESET');
  const sdp = 'v=0 '.padEnd(62 * 1024, 'x');
  // Away sees one chat, so it has an early offset; then it drops and stays away while the offers flow
  assertOk(await m.host.ack('chat-message', { roomId: m.room.id, content: 'early' }));
  await away.next('chat-message');
  const back = nextConnect(away, 20_000);
  away.socket.io.reconnection(false);
  await dropTransport(away, { to: n2, stayAway: true });
  let sent = 0;
  const until = Date.now() + 6_000;
  while (Date.now() < until) {
    await Promise.all(pairs.map(([from, to]) => from.ack('offer', { targetId: to.id, sdp: { type: 'offer', sdp } }, 10_000)));
    sent += pairs.length;
  }
  const logKey = `${cluster.prefix}room:${m.room.id}:log`;
  const used = await memoryUsage(logKey);
  console.log(`# ${sent} offers of 62 KB relayed; the room log uses ${(used / 1048576).toFixed(1)} MiB in Redis`);
  assert.ok(sent * 62 * 1024 > 12 * 1048576, `the test sent only ${sent} offers`);
  assert.ok(used < 10 * 1048576, `the room log holds ${(used / 1048576).toFixed(1)} MiB (bound 8 MiB of messages)`);

  const started = Date.now();
  away.socket.io.reconnection(true);
  away.socket.connect();
  const { recovered } = await back;
  assert.equal(recovered, false, 'what Away missed was trimmed or is more than a recovery may send');
  assert.ok(Date.now() - started < 5_000, `the failed recovery took ${Date.now() - started} ms`);
  const slow = await cluster.redis.cli('SLOWLOG', 'GET', '64');
  const calls = slow.map((entry) => `${entry[2]} µs ${entry[3].slice(0, 2).join(' ')}`);
  assert.deepEqual(calls, [], 'Redis calls over 50 ms');
});
