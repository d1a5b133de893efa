// Shape checks for the protocol's value types.
import assert from 'node:assert/strict';

export const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const GENERATED_CODE = /^[a-z]{3}-[a-z]{3}-[a-z]{3}$/;

export const DEFAULT_SETTINGS = Object.freeze({
  allowScreenShare: true,
  allowChat: true,
  allowParticipantAudio: true,
  allowParticipantVideo: true,
  waitingRoom: false,
  maxParticipants: 50,
});

export function assertIsoTimestamp(value, what = 'timestamp') {
  assert.equal(typeof value, 'string', `${what} must be a string, got ${JSON.stringify(value)}`);
  assert.match(value, ISO_8601, `${what} must be ISO-8601`);
  assert.ok(Math.abs(Date.parse(value) - Date.now()) < 10 * 60_000, `${what} ${value} is not current`);
}

/** Checks a ParticipantInfo; `expected` fields are compared exactly. */
export function assertParticipant(info, expected = {}) {
  assert.equal(typeof info, 'object', `ParticipantInfo expected, got ${JSON.stringify(info)}`);
  assert.equal(typeof info.socketId, 'string');
  assert.equal(typeof info.displayName, 'string');
  for (const flag of ['isHost', 'isMuted', 'isVideoOff', 'isScreenSharing', 'isHandRaised']) {
    assert.equal(typeof info[flag], 'boolean', `ParticipantInfo.${flag} must be boolean in ${JSON.stringify(info)}`);
  }
  assertIsoTimestamp(info.joinedAt, 'joinedAt');
  for (const [key, value] of Object.entries(expected)) {
    if (value === undefined) {
      assert.equal(info[key] ?? undefined, undefined, `ParticipantInfo.${key} must be absent in ${JSON.stringify(info)}`);
    } else {
      assert.deepEqual(info[key], value, `ParticipantInfo.${key} in ${JSON.stringify(info)}`);
    }
  }
}

/** Asserts a failure acknowledgement `{ success: false, error: <message>, code }`. */
export function assertRefused(ack, code, message) {
  assert.equal(ack?.success, false, `expected refusal ${code}, got ${JSON.stringify(ack)}`);
  assert.equal(ack.code, code, `expected code ${code}, got ${JSON.stringify(ack)}`);
  assert.equal(typeof ack.error, 'string', `ack.error must be the message: ${JSON.stringify(ack)}`);
  assert.ok(ack.error.length > 0);
  if (message !== undefined) assert.equal(ack.error, message);
}

/** Asserts a success acknowledgement `{ success: true, ... }`. */
export function assertOk(ack, what = 'ack') {
  assert.equal(ack?.success, true, `${what}: expected success, got ${JSON.stringify(ack)}`);
}

/** Asserts an `error` event payload `{ code, message }`. */
export function assertErrorEvent(payload, code) {
  assert.equal(payload?.code, code, `expected error event ${code}, got ${JSON.stringify(payload)}`);
  assert.equal(typeof payload.message, 'string');
  assert.ok(payload.message.length > 0);
}

/** Asserts a ChatMessage. */
export function assertChatMessage(message, expected = {}) {
  assert.equal(typeof message?.id, 'string', `ChatMessage expected, got ${JSON.stringify(message)}`);
  assert.ok(message.id.length > 0);
  assert.equal(typeof message.roomId, 'string');
  assert.equal(typeof message.senderId, 'string');
  assert.equal(typeof message.senderName, 'string');
  assert.equal(typeof message.content, 'string');
  assert.ok(['TEXT', 'SYSTEM'].includes(message.type), `type ${message.type}`);
  assertIsoTimestamp(message.timestamp, 'ChatMessage.timestamp');
  for (const [key, value] of Object.entries(expected)) {
    if (value === undefined) assert.equal(message[key] ?? undefined, undefined, `ChatMessage.${key} must be absent`);
    else assert.deepEqual(message[key], value, `ChatMessage.${key}`);
  }
}

/**
 * Asserts that `actual` has every field of `expected` (deep-equal); a field expected as
 * `undefined` must be absent or null. Other fields of `actual` are not checked.
 */
export function assertHas(actual, expected, what = 'payload') {
  assert.equal(typeof actual, 'object', `${what}: object expected, got ${JSON.stringify(actual)}`);
  assert.notEqual(actual, null, `${what}: object expected, got null`);
  for (const [key, value] of Object.entries(expected)) {
    if (value === undefined) {
      assert.equal(actual[key] ?? undefined, undefined, `${what}.${key} must be absent in ${JSON.stringify(actual)}`);
    } else {
      assert.deepEqual(actual[key], value, `${what}.${key} in ${JSON.stringify(actual).slice(0, 400)}`);
    }
  }
}
