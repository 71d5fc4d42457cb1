/**
 * The STOMP peer for the benchmarks: Spring's simple broker doing pulse's fan-out job.
 */
@NullMarked
package io.github.pulse.stompbench;

import org.jspecify.annotations.NullMarked;
