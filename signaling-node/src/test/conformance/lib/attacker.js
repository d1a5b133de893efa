// One hostile client, run as its own process by lib/abuse.js so that its sending never delays the
// measurements of the test process. It stops by itself after `durationMs` (or when the node closed it),
// prints one JSON line with what it saw, and exits.
//
//   node lib/attacker.js '{"kind":"packed-connect","port":1234,"durationMs":15000, ...}'
//
// Kinds (all on raw Engine.IO websockets, loopback only, bounded in count and time):
//   packed-connect  CONNECT as a guest, stop reading, then send frames packed with CONNECT packets and events
//   join-repeat     sit in `roomCode`, stop reading, then re-send join-room for that room `perSecond` times a second
//   burst-pause     keep reading, but send `burst` events at once every `pauseMs` (a flood with pauses)
//   pid-reconnect   `connections` short engine sessions, each sending `connects` CONNECTs with a pid
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WebSocket = createRequire(require.resolve('engine.io-client'))('ws');

const options = JSON.parse(process.argv[2]);
const started = Date.now();
const deadline = started + options.durationMs;
const result = { kind: options.kind, sentPackets: 0, sentFrames: 0, closedAfterMs: null, forceDisconnect: null, connects: 0 };

const url = () => `ws://127.0.0.1:${options.port}/socket.io/?EIO=4&transport=websocket`;

/** Opens a websocket and resolves once the Engine.IO open packet arrived. */
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url(), { maxPayload: 64 * 1024 * 1024 });
    const timer = setTimeout(() => reject(new Error('no Engine.IO open within 5 s')), 5_000);
    ws.on('error', () => {});
    ws.once('close', () => {
      clearTimeout(timer);
      reject(new Error('closed before open'));
    });
    ws.once('message', (data) => {
      clearTimeout(timer);
      if (!data.toString().startsWith('0')) reject(new Error(`unexpected first packet ${data.toString().slice(0, 80)}`));
      else resolve(ws);
    });
  });
}

/** Resolves with the first message that `match` accepts (answering pings meanwhile). */
function nextMessage(ws, match, timeoutMs = 5_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error('no matching message'));
    }, timeoutMs);
    function onMessage(data) {
      const text = data.toString();
      if (text === '2') ws.send('3');
      if (match(text)) {
        clearTimeout(timer);
        ws.off('message', onMessage);
        resolve(text);
      }
    }
    ws.on('message', onMessage);
  });
}

/** CONNECTs as a guest on `ws`; a node that sheds load refuses with UNAVAILABLE, so retry on a new websocket. */
async function connectGuest(ws, name) {
  ws.send(`40${JSON.stringify({ displayName: name })}`);
  const answer = await nextMessage(ws, (m) => m.startsWith('40') || m.startsWith('44'));
  if (!answer.startsWith('40')) throw new Error(`CONNECT refused: ${answer.slice(0, 200)}`);
  return JSON.parse(answer.slice(2));
}

/** Opens a websocket and CONNECTs on it, retrying (as socket.io-client would) while the node refuses UNAVAILABLE. */
async function openConnected(name) {
  for (let attempt = 1; ; attempt++) {
    const ws = await open();
    try {
      const data = await connectGuest(ws, name);
      return { ws, closed: watchClose(ws), data };
    } catch (error) {
      ws.terminate();
      if (attempt >= 20 || !/UNAVAILABLE/.test(error.message) || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/** Stops reading from the TCP socket: whatever the node sends piles up on its side. */
function stopReading(ws) {
  ws._socket.pause();
}

let closingOurselves = false;

/** Resolves when `ws` closes; a close that the attacker did not start is recorded as the node's doing. */
function watchClose(ws) {
  return new Promise((resolve) => {
    ws.once('close', () => {
      if (!closingOurselves && result.closedAfterMs === null) result.closedAfterMs = Date.now() - started;
      resolve();
    });
  });
}

function terminate(ws) {
  closingOurselves = true;
  ws.terminate();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends `frame` every `everyMs` until the deadline or the close; never queues more than `maxBuffered` locally. */
async function pump(ws, closed, frame, packetsPerFrame, everyMs) {
  let isClosed = false;
  closed.then(() => (isClosed = true));
  while (!isClosed && Date.now() < deadline) {
    if (ws.bufferedAmount < 8 * 1024 * 1024) {
      ws.send(frame);
      result.sentFrames += 1;
      result.sentPackets += packetsPerFrame;
    }
    await sleep(everyMs);
  }
}

async function packedConnect() {
  const { ws, closed } = await openConnected('Packer');
  stopReading(ws);
  const count = options.packets ?? 20_000;
  const parts = [];
  for (let i = 0; i < count; i++) {
    parts.push(i % 2 === 0 ? '40{"displayName":"x"}' : '42["get-ice-servers",{"roomId":"r"}]');
  }
  await pump(ws, closed, parts.join('\x1e'), count, options.everyMs ?? 50);
  terminate(ws);
}

async function joinRepeat() {
  const { ws, closed } = await openConnected('Repeater');
  ws.send(`421${JSON.stringify(['join-room', { roomCode: options.roomCode }])}`);
  await nextMessage(ws, (m) => m.startsWith('431'), 5_000);
  stopReading(ws);
  const frame = `42${JSON.stringify(['join-room', { roomCode: options.roomCode }])}`;
  await pump(ws, closed, frame, 1, Math.max(1, Math.round(1000 / (options.perSecond ?? 40))));
  terminate(ws);
}

async function burstPause() {
  const { ws, closed } = await openConnected('Burster');
  ws.on('message', (data) => {
    const text = data.toString();
    if (text === '2') ws.send('3');
    if (text.startsWith('42["force-disconnect"')) result.forceDisconnect = JSON.parse(text.slice(2))[1];
  });
  let isClosed = false;
  closed.then(() => (isClosed = true));
  const burst = options.burst ?? 5_000;
  const frame = '42["typing-start",{"roomId":"none"}]';
  while (!isClosed && Date.now() < deadline) {
    for (let i = 0; i < burst && !isClosed; i++) {
      ws.send(frame);
      // keep reading while the burst goes out, as any client's event loop would
      if (i % 250 === 249) await new Promise((r) => setImmediate(r));
    }
    result.sentPackets += burst;
    result.sentFrames += burst;
    await sleep(options.pauseMs ?? 2_000);
  }
  terminate(ws);
}

async function pidReconnect() {
  // a real session first, to learn a pid and an offset-less recovery attempt
  const { ws: first, data: connected } = await openConnected('Ghost');
  first.terminate();
  const auth = { displayName: 'Ghost', pid: connected.pid ?? 'x.y' };
  for (let c = 0; c < (options.connections ?? 20) && Date.now() < deadline; c++) {
    let ws;
    try {
      ws = await open();
    } catch {
      continue;
    }
    const closed = watchClose(ws);
    let isClosed = false;
    closed.then(() => (isClosed = true));
    for (let i = 0; i < (options.connects ?? 50) && !isClosed; i++) {
      ws.send(`40${JSON.stringify(auth)}`);
      result.connects += 1;
    }
    await sleep(20);
    ws.terminate();
  }
}

const kinds = { 'packed-connect': packedConnect, 'join-repeat': joinRepeat, 'burst-pause': burstPause, 'pid-reconnect': pidReconnect };

const timer = setTimeout(() => {
  result.error = 'attacker over its own deadline';
  finish(1);
}, options.durationMs + 10_000);

function finish(code) {
  clearTimeout(timer);
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(code));
}

kinds[options.kind]()
  .then(() => finish(0))
  .catch((error) => {
    result.error = error.message;
    finish(0);
  });
