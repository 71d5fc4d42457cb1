/**
 * The "raw" peer for the benchmarks: a plain Spring WebSocket handler doing pulse's fan-out job by hand.
 */
@NullMarked
package io.github.pulse.rawbench;

import org.jspecify.annotations.NullMarked;
