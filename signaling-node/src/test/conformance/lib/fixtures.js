// Meeting set-ups shared by the test files.
import assert from 'node:assert/strict';
import { newUser } from './jwt.js';
import { guest, member } from './peer.js';
import { createRoom } from './rest.js';

/**
 * Seats `peer` in the room with `code` and waits until every peer in `present` saw its
 * `user-joined`, so no stale event is in flight afterwards. Resolves with the room-joined data.
 */
export async function seat(peer, code, present = [], extra = {}) {
  const { joined } = await peer.join(code, extra);
  for (const other of present) {
    await other.next('user-joined', { where: (d) => d?.participant?.socketId === peer.id });
  }
  return joined;
}

/**
 * A room created over REST by a new authenticated host (or `hostUser`), the host seated, plus one seated
 * guest per name in `guests` (`options` go to every connection). Every inbox is empty
 * when it resolves.
 */
export async function meeting(node, { settings = {}, guests = [], hostName = 'Host', hostUser = newUser(hostName), options = {} } = {}) {
  const room = await createRoom(node, hostUser, settings);
  const host = await member(node, hostUser, options);
  const { joined: hostJoined } = await host.join(room.code);
  assert.equal(hostJoined.isHost, true, 'the creator must be host');
  const seated = [host];
  const others = [];
  for (const name of guests) {
    const peer = await guest(node, name, options);
    await seat(peer, room.code, seated);
    seated.push(peer);
    others.push(peer);
  }
  for (const peer of seated) peer.clear();
  return { room, hostUser, host, hostJoined, guests: others, everyone: seated };
}
