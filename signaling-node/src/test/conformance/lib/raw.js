// A hand-driven Engine.IO v4 / Socket.IO v5 websocket client, for what socket.io-client
// cannot send: malformed packets, events before CONNECT, oversized frames.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// `ws` is the websocket implementation socket.io-client itself uses (via engine.io-client)
const WebSocket = createRequire(require.resolve('engine.io-client'))('ws');

export class RawSocket {
  constructor(ws) {
    this.ws = ws;
    this.messages = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    this.isClosed = false;
    ws.on('close', () => (this.isClosed = true));
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const text = data.toString();
      if (text === '2') {
        ws.send('3'); // Engine.IO ping → pong
        return;
      }
      const index = this.waiters.findIndex((w) => w.match(text));
      if (index >= 0) {
        const [waiter] = this.waiters.splice(index, 1);
        clearTimeout(waiter.timer);
        waiter.resolve(text);
      } else {
        this.messages.push(text);
      }
    });
  }

  /** Resolves with the first unconsumed message for which `match(text)` holds. */
  next(match, timeout = 3_000, what = 'message') {
    const index = this.messages.findIndex(match);
    if (index >= 0) return Promise.resolve(this.messages.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`raw socket: no ${what} within ${timeout} ms (got ${JSON.stringify(this.messages).slice(0, 300)})`));
      }, timeout);
      this.waiters.push(waiter);
    });
  }

  /** Every unconsumed Socket.IO message (type 4x) received so far. */
  socketIoMessages() {
    return this.messages.filter((m) => m.startsWith('4'));
  }

  send(text) {
    this.ws.send(text);
  }

  /** Sends a Socket.IO CONNECT for `/` with `auth` and resolves with the answer packet. */
  async connectNamespace(auth) {
    this.send(auth === undefined ? '40' : `40${JSON.stringify(auth)}`);
    const answer = await this.next((m) => m.startsWith('40') || m.startsWith('44'), 5_000, 'CONNECT answer');
    return { ok: answer.startsWith('40'), packet: answer, data: JSON.parse(answer.slice(2) || 'null') };
  }

  /** Sends an event (with ack id `ackId` when given) and, with an ack id, resolves with the ack payload. */
  async emit(event, payload, ackId) {
    const body = JSON.stringify(payload === undefined ? [event] : [event, payload]);
    if (ackId === undefined) {
      this.send(`42${body}`);
      return undefined;
    }
    this.send(`42${ackId}${body}`);
    const answer = await this.next((m) => m.startsWith(`43${ackId}[`), 5_000, `ack ${ackId}`);
    return JSON.parse(answer.slice(2 + String(ackId).length))[0];
  }

  /** Resolves with the payload of the next server event `name`. */
  async nextEvent(name, timeout = 3_000) {
    const prefix = `42${JSON.stringify([name]).slice(0, -1)},`;
    const packet = await this.next((m) => m.startsWith(prefix), timeout, `event ${name}`);
    return JSON.parse(packet.slice(2))[1];
  }

  close() {
    this.ws.terminate();
  }
}

/**
 * Opens a raw websocket transport and resolves after the Engine.IO open packet; rejects when the upgrade is
 * answered with an HTTP status instead (the error has `status` and `body`).
 */
export async function openRaw(node, { timeout = 5_000, headers = {} } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${node.port}/socket.io/?EIO=4&transport=websocket`, {
    maxPayload: 64 * 1024 * 1024,
    headers,
  });
  ws.once('unexpected-response', (request, response) => {
    let body = '';
    response.on('data', (chunk) => (body += chunk));
    response.on('end', () => {
      const error = new Error(`websocket upgrade answered ${response.statusCode}`);
      error.status = response.statusCode;
      error.body = body;
      ws.emit('error', error);
    });
  });
  const raw = new RawSocket(ws);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('raw websocket did not open')), timeout);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  const open = await raw.next((m) => m.startsWith('0'), timeout, 'Engine.IO open packet');
  raw.handshake = JSON.parse(open.slice(1));
  return raw;
}
