/**
 * The wire vocabulary: event names, error codes, the client's payload records that validate themselves
 * ({@code Requests}), the server's events ({@code ServerEvent}), the refusals ({@code Refusals}), and JSON.
 */
package io.meetsignal.node.protocol;
