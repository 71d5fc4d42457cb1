/**
 * JMH microbenchmarks of the engine's hot paths (codec, broadcast fan-out, send) on in-memory transports, and the
 * report that turns JMH's results into a markdown table: {@code benchmarks/jmh.sh}.
 */
@NullMarked
package io.github.pulse.bench.jmh;

import org.jspecify.annotations.NullMarked;
