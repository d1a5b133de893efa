// PROTOCOL §9 with §8: the seats of a node killed with SIGKILL are kept until RECOVERY_WINDOW has passed, not
// only NODE_TTL, so a client that comes back to a survivor after the dead node was already found lost still
// recovers; the dead node's other sockets are released with node-lost once the window is over.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { assertHas } from '../../lib/assertions.js';
import { spreadMeeting, startCluster } from '../../lib/cluster.js';
import { closeAllPeers, delay } from '../../lib/peer.js';
import { assertNobodySawItLeave, comeBack, marks, RECONNECTING } from '../../lib/recovery.js';

const NODE_TTL_MS = 2_000;
const WINDOW_MS = 8_000;

let cluster;
let survivor;

before(async () => {
  cluster = await startCluster({
    name: 'late-recovery',
    nodes: 1,
    env: { NODE_TTL: `${NODE_TTL_MS}ms`, RECOVERY_WINDOW: `${WINDOW_MS}ms` },
  });
  [survivor] = cluster.nodes;
});
afterEach(closeAllPeers);
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

describe('recovery after the dead node was found lost', () => {
  test('a client back twice NODE_TTL after its node was killed recovers; the others go with node-lost after the window', async () => {
    const victim = await cluster.addNode();
    const { host, guests } = await spreadMeeting(survivor, {
      guests: [{ name: 'Away', node: victim, options: RECONNECTING }, ['Bystander', victim]],
    });
    const [away, bystander] = guests;
    const id = away.id;
    const bystanderId = bystander.id;
    const watching = marks([host]);

    away.socket.io.reconnection(false);
    const gone = new Promise((resolve) => away.socket.once('disconnect', resolve));
    const killedAt = performance.now();
    assert.equal((await victim.kill('SIGKILL')).signal, 'SIGKILL');
    await gone;
    away.take('disconnect');

    // well after the survivor found the dead node lost (NODE_TTL), well within the window
    await delay(2 * NODE_TTL_MS - (performance.now() - killedAt));
    const back = await comeBack(away, { to: survivor });
    assert.equal(back.recovered, true, `recovered ${Math.round(back.at - killedAt)} ms after the kill (NODE_TTL ${NODE_TTL_MS} ms)`);
    assert.equal(back.id, id, 'same id');

    const left = await host.next('user-left', { where: (d) => d.socketId === bystanderId, timeout: WINDOW_MS + 5_000 });
    assertHas(left, { reason: 'node-lost' });
    const releasedAfter = performance.now() - killedAt;
    assert.ok(releasedAfter >= WINDOW_MS - 1_000,
      `the dead node's seats wait out the window: node-lost ${Math.round(releasedAfter)} ms after the kill`);
    assertNobodySawItLeave(watching, id, 'Away');
  });
});
