// PROTOCOL §8 "Failover": a promoted replica may have missed the last writes; the nodes re-register what they
// know. Played deterministically on one Redis: a snapshot is taken (SAVE), a guest joins after it, Redis is
// killed (kill -9) and started again from that snapshot, so the shared state comes back without the newest
// seat while every heartbeat is still there (NODE_TTL 30 s: only an outage, not an empty restart). The outage
// lasts longer than a heartbeat period, so each node sees a heartbeat fail and then succeed again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertSameSet, eventually, spreadMeeting, startCluster } from '../../lib/cluster.js';
import { seat } from '../../lib/fixtures.js';
import { closeAllPeers, delay, guest } from '../../lib/peer.js';
import { roomState } from '../../lib/rest.js';

const NODE_TTL_SECONDS = 30;
const OUTAGE_MS = NODE_TTL_SECONDS * 1_000 / 3 + 1_000; // one heartbeat attempt falls inside it
const BACK_MS = 10_000;

let cluster;
let n1;
let n2;

before(async () => {
  cluster = await startCluster({ name: 'lostwrites', nodes: 2, controllable: true, env: { NODE_TTL: String(NODE_TTL_SECONDS) } });
  [n1, n2] = cluster.nodes;
});
after(async () => {
  await closeAllPeers();
  await cluster?.stop();
});

describe('shared state back without its last writes (as from a promoted replica)', () => {
  test('after the outage each node puts back the seats of its live sockets that the shared state lacks', async () => {
    const { room, hostUser, host, guests, everyone } = await spreadMeeting(n1, { guests: [['Two', n2]] });
    assert.equal(await cluster.redis.cli('SAVE'), 'OK');
    const late = await guest(n2, 'Late');
    await seat(late, room.code, everyone);
    assertSameSet(
      (await roomState(n1, room, hostUser)).participants.map((p) => p.socketId),
      [host.id, guests[0].id, late.id],
      'three seats before the outage',
    );

    await cluster.redis.stop({ save: false }); // kill -9: the snapshot holds no seat for Late
    await delay(OUTAGE_MS);
    await cluster.redis.start();

    await eventually(
      'the seat written after the snapshot is back',
      async () => {
        assertSameSet(
          (await roomState(n1, room, hostUser)).participants.map((p) => p.socketId),
          [host.id, guests[0].id, late.id],
          'the seats of the live sockets',
        );
      },
      { timeoutMs: BACK_MS, intervalMs: 200 },
    );
    assert.match(n2.output(), /again after an outage/, 'node 2 re-registered its seats after the outage');
    for (const peer of [...everyone, late]) {
      const bad = peer.log.filter((e) => ['user-left', 'force-disconnect', 'disconnect'].includes(e.event));
      assert.deepEqual(bad.map((e) => [e.event, e.data]), [], `${peer.label} must not see anyone leave`);
    }
  });
});
