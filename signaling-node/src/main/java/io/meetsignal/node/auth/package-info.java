/** Handshake authentication: JWT verification, guests, display names, and dev tokens. */
package io.meetsignal.node.auth;
