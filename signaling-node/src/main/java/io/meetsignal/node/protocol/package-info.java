/** The wire vocabulary: event names, error codes, payload records that validate themselves, and JSON. */
package io.meetsignal.node.protocol;
