/**
 * A small NIO WebSocket load generator and the benchmark scenarios built on it.
 */
@NullMarked
package io.github.pulse.bench.load;

import org.jspecify.annotations.NullMarked;
