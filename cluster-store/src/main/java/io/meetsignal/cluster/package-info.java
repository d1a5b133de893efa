/** Ports for the state that all signaling nodes share: rooms, seats, chat history, bans, node liveness, and the cross-node bus. */
package io.meetsignal.cluster;
