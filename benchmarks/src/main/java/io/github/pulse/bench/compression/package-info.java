/**
 * The permessage-deflate trade, measured: bytes on the wire, server CPU per delivery and memory per idle connection
 * with compression negotiated or not (benchmarks/compression.sh).
 */
@NullMarked
package io.github.pulse.bench.compression;

import org.jspecify.annotations.NullMarked;
