/**
 * Gatling simulations of the signaling cluster: meetings, cross-node relay, join storms and soak.
 */
package io.meetsignal.loadtest;
