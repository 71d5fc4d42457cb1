package io.github.pulse.bench.jmh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.github.pulse.core.Transport;
import org.jspecify.annotations.Nullable;
import io.github.pulse.PulseCloseStatus;

/**
 * An asynchronous transport whose writes complete at once, on the calling thread, without going anywhere: what is
 * left of a send is the engine's own work. Counts the texts so that a benchmark can check they were written.
 */
final class NoopTransport implements Transport {

	/** Texts written; touched only by the benchmark thread, as writes complete on the caller's thread. */
	long written;


	@Override
	public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
		String text = frame.text();
		this.written++;
		onDone.accept(null);
	}

	@Override
	public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		onDone.accept(null);
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		onDone.accept(null);
	}

	@Override
	public void close(PulseCloseStatus status) {
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return null;
	}

}
