package io.github.pulse.core;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.CloseStatus;

/**
 * In-memory transport: records what the engine writes. Writes complete at once unless stalled, in which case they
 * complete when {@link #release()} is called.
 */
final class FakeTransport implements Transport {

	final List<String> texts = new CopyOnWriteArrayList<>();

	final List<CloseStatus> closes = new CopyOnWriteArrayList<>();

	volatile int pings;

	volatile @Nullable InetSocketAddress remoteAddress;

	private volatile boolean stalled;

	private final List<Runnable> held = new ArrayList<>();

	@Override
	public boolean isAsync() {
		return true;
	}

	@Override
	public void sendText(String text, Consumer<@Nullable Throwable> onDone) {
		this.texts.add(text);
		synchronized (this.held) {
			if (this.stalled) {
				this.held.add(() -> onDone.accept(null));
				return;
			}
		}
		onDone.accept(null);
	}

	void stall() {
		this.stalled = true;
	}

	void release() {
		List<Runnable> completions;
		synchronized (this.held) {
			this.stalled = false;
			completions = new ArrayList<>(this.held);
			this.held.clear();
		}
		completions.forEach(Runnable::run);
	}

	@Override
	public void sendPing(ByteBuffer payload) {
		this.pings++;
	}

	@Override
	public void close(CloseStatus status) {
		this.closes.add(status);
	}

	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return this.remoteAddress;
	}

	FakeTransport from(String host) {
		this.remoteAddress = new InetSocketAddress(host, 40000);
		return this;
	}

	List<String> messages() {
		return this.texts.stream().filter((t) -> t.startsWith("{\"type\":\"message\"")).toList();
	}

}
