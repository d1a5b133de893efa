// REST helpers for the public port (rooms) and the management port (health, metrics).
import assert from 'node:assert/strict';

/** How long `request` keeps retrying a `429 RATE_LIMITED` answer before it returns it. */
const RETRY_429_MS = 15_000;

/**
 * Sends a request and resolves with `{ status, headers, body, text }`; `body` is parsed
 * JSON when the response is JSON. `raw` sends a string body as is. A 429 (the node's REST
 * rate limit, which this suite's bursts of room creation can hit) is retried after
 * Retry-After (or 500 ms), as a well-behaved client would.
 */
export async function request(base, method, path, options = {}) {
  const deadline = Date.now() + RETRY_429_MS;
  for (;;) {
    const response = await requestOnce(base, method, path, options);
    if (response.status !== 429 || Date.now() > deadline) return response;
    const retryAfter = Number(response.headers.get('retry-after'));
    await new Promise((r) => setTimeout(r, retryAfter > 0 ? Math.min(retryAfter * 1000, 2_000) : 500));
  }
}

async function requestOnce(base, method, path, { token, body, raw, headers = {}, timeoutMs = 5_000 } = {}) {
  const url = `${typeof base === 'string' ? base : base.url}${path}`;
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
  if (token !== undefined) init.headers.authorization = `Bearer ${token}`;
  if (raw !== undefined) {
    init.body = raw;
    init.headers['content-type'] ??= 'application/json';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Asserts an error response `{ error: { code, message } }` with the given status and code. */
export function assertRestError(response, status, code, what = '') {
  const prefix = what ? `${what}: ` : '';
  assert.equal(response.status, status, `${prefix}expected ${status} ${code}, got ${response.status}: ${response.text.slice(0, 300)}`);
  assert.equal(response.body?.error?.code, code, `error body: ${response.text.slice(0, 300)}`);
  assert.equal(typeof response.body.error.message, 'string');
  assert.ok(response.body.error.message.length > 0, 'error message must not be empty');
}

/** POST /api/rooms as `user`; asserts 201 and resolves with the Room. */
export async function createRoom(node, user, body = {}) {
  const response = await request(node, 'POST', '/api/rooms', { token: user.token, body });
  assert.equal(response.status, 201, `POST /api/rooms: ${response.status} ${response.text.slice(0, 300)}`);
  return response.body;
}

/** GET /api/rooms/{id} as `user`; asserts 200 and resolves with the Room with participants. */
export async function roomState(node, room, user) {
  const response = await request(node, 'GET', `/api/rooms/${room.id}`, { token: user.token });
  assert.equal(response.status, 200, `GET /api/rooms/${room.id}: ${response.status} ${response.text.slice(0, 300)}`);
  return response.body;
}

/** GET /api/rooms/code/{code} without credentials. */
export function lookupCode(node, code) {
  return request(node, 'GET', `/api/rooms/code/${encodeURIComponent(code)}`);
}

/** GET on the management port. */
export function management(node, path) {
  return request(node.mgmtUrl, 'GET', path);
}
