package io.github.pulse.bench.jmh;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.github.pulse.core.Transport;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.CloseStatus;

/**
 * An asynchronous transport whose writes complete at once, on the calling thread, without going anywhere: what is
 * left of a send is the engine's own work. Counts the texts so that a benchmark can check they were written.
 */
final class NoopTransport implements Transport {

	/** Texts written; touched only by the benchmark thread, as writes complete on the caller's thread. */
	long written;

	@Override
	public boolean isAsync() {
		return true;
	}

	@Override
	public void sendText(String text, Consumer<@Nullable Throwable> onDone) {
		this.written++;
		onDone.accept(null);
	}

	@Override
	public void sendPing(ByteBuffer payload) {
	}

	@Override
	public void close(CloseStatus status) {
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return null;
	}

}
