// Abuse suite, three nodes on one Redis: the attack of one-node.test.js against node 1, with the attacked room
// on node 1 and the watched bystanders on node 3, so the cluster path is under test too.
import { after, before, test } from 'node:test';
import { HEAP_LIMIT } from '../../lib/abuse.js';
import { assertHeldUp, assertNothingLeft, redisKeys, runAttack, setUp, watchSlowCalls } from '../../lib/abuse-scenario.js';
import { startCluster } from '../../lib/cluster.js';
import { closeAllPeers } from '../../lib/peer.js';

let cluster;

before(async () => {
  cluster = await startCluster({ name: 'abuse', env: { RECOVERY_WINDOW: '3s', JAVA_TOOL_OPTIONS: HEAP_LIMIT } });
});
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

test('three nodes hold up against hostile clients on one of them and keep nothing of them', { timeout: 110_000 }, async () => {
  const { nodes, redis, prefix } = cluster;
  const setup = await setUp(nodes);
  const keysBefore = await redisKeys(redis, prefix);
  await watchSlowCalls(redis);
  const figures = await runAttack(nodes[0], nodes[2], setup);
  assertHeldUp('three nodes', figures);
  await assertNothingLeft(nodes, setup, { redis, prefix, keysBefore });
});
