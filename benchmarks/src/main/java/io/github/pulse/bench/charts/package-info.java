/**
 * PNG charts of the benchmark results for {@code docs/benchmarks.md}: latency against throughput and memory per
 * connection, drawn headless with XChart.
 */
@NullMarked
package io.github.pulse.bench.charts;

import org.jspecify.annotations.NullMarked;
