// A socket.io-client socket with an inbox: every event the server sends is recorded, so a
// test can wait for an event that may already have arrived, and can assert that an event
// did NOT arrive within a bounded window.
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

export const EVENT_TIMEOUT_MS = 3_000;
export const SILENCE_MS = 400;

const open = new Set();

/** Closes every peer opened since the last call (use in afterEach/after). */
export async function closeAllPeers() {
  const peers = [...open];
  open.clear();
  for (const peer of peers) peer.close();
  // let the server see the disconnects before the next test starts
  if (peers.length > 0) await new Promise((r) => setTimeout(r, 50));
}

const ANY = () => true;

function describe(event, where) {
  return where === ANY ? event : `${event} matching ${where.toString().slice(0, 160)}`;
}

export class Peer {
  constructor(socket, label) {
    this.socket = socket;
    this.label = label;
    this.inbox = [];
    this.log = [];
    this.waiters = [];
    this.disconnectReason = null;
    socket.onAny((event, ...args) => this.#push(event, args));
    socket.on('disconnect', (reason) => {
      this.disconnectReason = reason;
      this.#push('disconnect', [reason]);
    });
    open.add(this);
  }

  get id() {
    return this.socket.id;
  }

  get connected() {
    return this.socket.connected;
  }

  #push(event, args) {
    const entry = { event, data: args[0], args, at: performance.now() };
    this.log.push(entry);
    const index = this.waiters.findIndex((w) => w.event === event && w.where(entry.data, entry));
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      clearTimeout(waiter.timer);
      waiter.resolve(entry.data);
    } else {
      this.inbox.push(entry);
    }
  }

  /**
   * Resolves with the payload of the first not-yet-consumed `event` (optionally matching
   * `where`), consuming it; rejects after `timeout` ms.
   */
  next(event, { where = ANY, timeout = EVENT_TIMEOUT_MS } = {}) {
    const index = this.inbox.findIndex((e) => e.event === event && where(e.data, e));
    if (index >= 0) {
      const [entry] = this.inbox.splice(index, 1);
      return Promise.resolve(entry.data);
    }
    return new Promise((resolve, reject) => {
      const waiter = { event, where, resolve };
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        const counts = new Map();
        for (const e of this.inbox) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
        const seen = [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ') || 'nothing';
        reject(new Error(`${this.label}: no ${describe(event, where)} within ${timeout} ms (unconsumed: ${seen})`));
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  /**
   * Asserts that no unconsumed `event` (matching `where`) is in the inbox now or arrives
   * within `within` ms.
   */
  async none(event, { where = ANY, within = SILENCE_MS } = {}) {
    await new Promise((r) => setTimeout(r, within));
    const found = this.inbox.filter((e) => e.event === event && where(e.data, e));
    assert.equal(
      found.length,
      0,
      `${this.label}: expected no ${event} but got ${JSON.stringify(found.map((e) => e.data)).slice(0, 500)}`,
    );
  }

  /** Removes and returns every unconsumed `event` (all events when omitted). */
  take(event) {
    const taken = this.inbox.filter((e) => event === undefined || e.event === event);
    this.inbox = this.inbox.filter((e) => !(event === undefined || e.event === event));
    return taken.map((e) => e.data);
  }

  /** Names of the unconsumed events, in arrival order. */
  events() {
    return this.inbox.map((e) => e.event);
  }

  /** Forgets everything received so far. */
  clear() {
    this.inbox = [];
  }

  /** Emits without an acknowledgement callback. */
  emit(event, ...args) {
    this.socket.emit(event, ...args);
  }

  /** Emits with an acknowledgement and resolves with the server's answer. */
  ack(event, payload, timeout = EVENT_TIMEOUT_MS) {
    const args = payload === undefined ? [] : [payload];
    return this.socket
      .timeout(timeout)
      .emitWithAck(event, ...args)
      .catch((error) => {
        throw new Error(`${this.label}: no ack for ${event} within ${timeout} ms (${error.message})`);
      });
  }

  /** Joins a room and resolves with `{ ack, joined }` (`joined` is the room-joined event). */
  async join(roomCode, extra = {}) {
    const ack = await this.ack('join-room', { roomCode, ...extra });
    assert.equal(ack?.success, true, `${this.label}: join-room ${roomCode} failed: ${JSON.stringify(ack)}`);
    const joined = await this.next('room-joined');
    return { ack, joined };
  }

  /** Resolves when the socket is disconnected (with the reason). */
  disconnected(timeout = EVENT_TIMEOUT_MS) {
    if (!this.socket.connected && this.disconnectReason !== null) return Promise.resolve(this.disconnectReason);
    return this.next('disconnect', { timeout });
  }

  close() {
    open.delete(this);
    this.socket.disconnect();
    this.socket.io.engine?.close();
  }
}

function makeSocket(node, { auth, transports, query, extraHeaders, timeout = 5_000, deadlineMs, ...rest } = {}) {
  const url = typeof node === 'string' ? node : node.url;
  const options = {
    forceNew: true,
    reconnection: false,
    timeout,
    ...(transports ? { transports } : {}),
    ...(query ? { query } : {}),
    ...(extraHeaders ? { extraHeaders } : {}),
    ...rest,
  };
  if (auth !== undefined) options.auth = auth;
  return io(url, options);
}

/**
 * Connects and resolves with a Peer once `connect` arrived; rejects with the
 * `connect_error` (its `message` is the protocol code) or after the deadline.
 */
export function connect(node, options = {}, label = options.auth?.displayName ?? 'peer') {
  const socket = makeSocket(node, options);
  const peer = new Peer(socket, label);
  const deadline = options.deadlineMs ?? 8_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      peer.close();
      reject(new Error(`${label}: neither connect nor connect_error within ${deadline} ms`));
    }, deadline);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(peer);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      peer.close();
      reject(error);
    });
  });
}

/** Expects the handshake to be refused and resolves with the connect_error. */
export async function refused(node, options = {}) {
  let peer;
  try {
    peer = await connect(node, options, 'refused');
  } catch (error) {
    if (/neither connect nor connect_error/.test(error.message)) throw error;
    return error;
  }
  peer.close();
  assert.fail(`handshake with auth ${JSON.stringify(options.auth)} was accepted, expected connect_error`);
}

/** Connects a guest with a display name. */
export function guest(node, displayName = 'Guest', options = {}) {
  return connect(node, { ...options, auth: { displayName, ...(options.auth ?? {}) } }, displayName);
}

/** Connects an authenticated user (see jwt.newUser). */
export function member(node, user, options = {}) {
  return connect(node, { ...options, auth: { token: user.token, ...(options.auth ?? {}) } }, user.name);
}

export const delay = (ms) => new Promise((r) => setTimeout(r, ms));
