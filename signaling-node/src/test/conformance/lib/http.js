// Raw HTTP/1.1 over node:net, for what fetch cannot send or show: malformed and pipelined requests,
// requests that are never answered, and Engine.IO long-polling driven by hand.
import net from 'node:net';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * One TCP connection to the node. `send(text)` writes bytes as they are; `responses` collects every parsed
 * response (status, headers, body) in arrival order; `closed` resolves when the server closes the connection.
 */
export class RawHttp {
  constructor(node) {
    this.socket = net.connect(node.port, '127.0.0.1');
    this.buffer = Buffer.alloc(0);
    this.responses = [];
    this.waiters = [];
    this.isClosed = false;
    this.closed = new Promise((resolveClosed) => {
      this.socket.on('close', () => {
        this.isClosed = true;
        resolveClosed();
        this.wake();
      });
    });
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    this.connected = new Promise((resolveConnected) => this.socket.once('connect', resolveConnected));
  }

  send(data) {
    return new Promise((resolveWrite) => this.socket.write(data, () => resolveWrite()));
  }

  parse() {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      const [, status] = /^HTTP\/1\.1 (\d{3})/.exec(head[0]) ?? [];
      const headers = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 4 + length);
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      this.responses.push({ status: Number(status), headers, body, json });
      this.wake();
    }
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the `n`-th response (1-based) once it arrived; rejects after `timeout` or on close before. */
  response(n = 1, timeout = 3_000) {
    return new Promise((resolveResponse, reject) => {
      const check = () => {
        if (this.responses.length >= n) {
          done();
          resolveResponse(this.responses[n - 1]);
        } else if (this.isClosed) {
          done();
          reject(new Error(`connection closed after ${this.responses.length} responses, expected ${n}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no response #${n} within ${timeout} ms (got ${this.responses.length})`));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(check), 1);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Resolves true once the server closed the connection, false if it is still open after `timeout`. */
  async closesWithin(timeout) {
    let timer;
    const result = await Promise.race([
      this.closed.then(() => true),
      new Promise((r) => (timer = setTimeout(() => r(false), timeout))),
    ]);
    clearTimeout(timer);
    return result;
  }

  destroy() {
    this.socket.destroy();
  }
}

/** Sends one request on a fresh connection and resolves with its response (or rejects). */
export async function once(node, text, timeout = 3_000) {
  const http = new RawHttp(node);
  try {
    await http.send(text);
    return await http.response(1, timeout);
  } finally {
    http.destroy();
  }
}

export const get = (path, headers = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`;
export const post = (path, body, headers = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;

const POLLING = '/socket.io/?EIO=4&transport=polling';

/** An Engine.IO long-polling session driven by hand: every request on its own connection, as a browser would. */
export class RawPolling {
  constructor(node) {
    this.node = node;
    this.connections = [];
  }

  async open() {
    const answer = await this.request(get(POLLING));
    this.sid = JSON.parse(answer.body.slice(1)).sid;
    return this;
  }

  /** Starts a long-poll GET and returns its connection (its response arrives when the server has something). */
  async startPoll() {
    const http = new RawHttp(this.node);
    this.connections.push(http);
    await http.send(get(`${POLLING}&sid=${this.sid}`));
    return http;
  }

  poll(timeout = 3_000) {
    return this.startPoll().then((http) => http.response(1, timeout));
  }

  send(payload) {
    return this.request(post(`${POLLING}&sid=${this.sid}`, payload));
  }

  async request(text) {
    const http = new RawHttp(this.node);
    this.connections.push(http);
    await http.send(text);
    return http.response(1);
  }

  close() {
    for (const http of this.connections) http.destroy();
  }
}

/**
 * Runs `script` (an ES module body, with `io` from socket.io-client and `URL` of the node in scope) in a
 * separate Node.js process and resolves with `{ exited, code, output }` once it exits, or after `timeoutMs`
 * (then it is killed and `exited` is false). Shows whether the official client leaves anything open.
 */
export function runClientProcess(node, script, timeoutMs = 6_000) {
  const source = `import { io } from 'socket.io-client';\nconst URL = ${JSON.stringify(node.url)};\n${script}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    cwd: resolve(here, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolveRun) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolveRun({ exited: false, code: null, output });
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ exited: true, code, output });
    });
  });
}
