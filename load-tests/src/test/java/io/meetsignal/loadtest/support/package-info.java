/**
 * Run parameters and profiles, dev JWTs, and rooms shared between the virtual users of one run.
 */
package io.meetsignal.loadtest.support;
