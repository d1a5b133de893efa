// PROTOCOL §8 "Redis topologies": on Redis Sentinel (REDIS_URL=redis-sentinel://…#master) the nodes follow a
// failover by themselves. Real processes: one master, one replica, three sentinels; the master is killed
// (kill -9) in the middle of a call with participants on two nodes. After the replica is promoted, within the
// failover time plus 5 s: relay both ways, chat, a new join and REST work, every live seat is there, and
// nobody was disconnected or saw anyone leave.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertOk } from '../../lib/assertions.js';
import { eventually, spreadMeeting } from '../../lib/cluster.js';
import { closeAllPeers, guest } from '../../lib/peer.js';
import { randomPrefix, startSentinelSet } from '../../lib/redis.js';
import { management, roomState } from '../../lib/rest.js';
import { startNode } from '../../lib/server.js';

const AFTER_FAILOVER_MS = 5_000;

let sentinel;
const nodes = [];

before(async () => {
  sentinel = await startSentinelSet();
  const env = { REDIS_URL: sentinel.url, REDIS_PREFIX: randomPrefix() };
  for (const id of [1, 2]) nodes.push(await startNode({ ...env, NODE_ID: `sentinel-${id}` }));
});
after(async () => {
  await closeAllPeers();
  await Promise.all(nodes.map((node) => node.stop(3_000)));
  await sentinel?.close();
  const dir = process.env.CLUSTER_LOG_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    for (const node of nodes) writeFileSync(join(dir, `${node.nodeId}.log`), node.output());
  }
});

/** Sends offers until one arrives (a lost one during the failover is retried); resolves with the time it took. */
async function relayWorks(sender, target, what, timeoutMs) {
  let n = 0;
  const started = performance.now();
  await eventually(
    what,
    async () => {
      const mark = `${what}-${n++}`;
      sender.emit('offer', { targetId: target.id, sdp: { type: 'offer', sdp: mark } });
      await target.next('offer', { where: (d) => d.sdp?.sdp === mark, timeout: 500 });
    },
    { timeoutMs, intervalMs: 0 },
  );
  target.take('offer');
  sender.take('error');
  return Math.round(performance.now() - started);
}

describe('Redis Sentinel failover (kill -9 of the master)', () => {
  test('the nodes follow the promoted replica: the room works again within the failover time + 5 s and nobody notices', async () => {
    const [n1, n2] = nodes;
    for (const node of nodes) {
      assert.match(node.output(), /Redis Sentinel master 'sigmaster'/, `${node.nodeId} logs the topology it uses`);
    }
    const { room, hostUser, host, guests, everyone } = await spreadMeeting(n1, { guests: [['Two', n2]] });
    const [two] = guests;
    await relayWorks(two, host, 'relay before the failover', 5_000);

    const killedAt = performance.now();
    const oldMaster = await sentinel.killMaster();
    const newMaster = await sentinel.waitForFailover(oldMaster);
    const failoverMs = Math.round(performance.now() - killedAt);
    console.log(`# sentinel promoted ${newMaster} ${failoverMs} ms after master ${oldMaster} was killed`);
    const bound = AFTER_FAILOVER_MS;

    const timings = {};
    timings.relay12 = await relayWorks(host, two, 'relay node 1 → node 2 after the failover', bound);
    timings.relay21 = await relayWorks(two, host, 'relay node 2 → node 1 after the failover', bound);
    const chatStarted = performance.now();
    await eventually(
      'chat after the failover',
      async () => assertOk(await two.ack('chat-message', { roomId: room.id, content: 'after the failover' }, 1_000), 'chat'),
      { timeoutMs: bound, intervalMs: 100 },
    );
    timings.chat = Math.round(performance.now() - chatStarted);
    await host.next('chat-message', { where: (d) => d.content === 'after the failover', timeout: 2_000 });
    const newcomer = await guest(n2, 'Newcomer');
    const joinStarted = performance.now();
    await eventually('join after the failover', async () => assertOk(await newcomer.ack('join-room', { roomCode: room.code }, 1_000), 'join'), {
      timeoutMs: bound,
      intervalMs: 100,
    });
    timings.join = Math.round(performance.now() - joinStarted);
    console.log(`# after the failover (ms until it worked): ${JSON.stringify(timings)}`);

    // every live seat is on the new master, and REST counts them right
    await eventually('seats on the new master', async () => {
      const state = await roomState(n1, room, hostUser);
      assert.deepEqual(
        state.participants.map((p) => p.socketId).sort(),
        [host.id, two.id, newcomer.id].sort(),
        'the seats of the live sockets',
      );
    }, { timeoutMs: bound });
    for (const node of nodes) {
      await eventually(`/readyz on ${node.nodeId}`, async () => assert.equal((await management(node, '/readyz')).status, 200), {
        timeoutMs: bound,
      });
    }
    for (const peer of everyone) {
      const bad = peer.log.filter((e) => ['user-left', 'force-disconnect', 'disconnect'].includes(e.event));
      assert.deepEqual(bad.map((e) => [e.event, e.data]), [], `${peer.label} must not see anyone leave`);
      assert.ok(peer.connected, `${peer.label} stays connected`);
    }
  });
});
