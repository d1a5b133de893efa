/** The meeting rules: rooms, seats, relay, media, chat, host controls. Services know nothing of sockets. */
package io.meetsignal.node.service;
