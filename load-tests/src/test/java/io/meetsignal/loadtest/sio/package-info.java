/**
 * Socket.IO v4 (Engine.IO 4) over a Gatling websocket, by hand: frames, a per-user client state, and
 * chain builders that never lose an inbound frame.
 */
package io.meetsignal.loadtest.sio;
