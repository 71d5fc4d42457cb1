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
 * complete when {@link #release()} is called. A {@link #gathering()} transport buffers queued frames and records
 * them only when flushed; a stalled one holds its flushes.
 */
final class FakeTransport implements Transport {

	final List<String> texts = new CopyOnWriteArrayList<>();

	final List<CloseStatus> closes = new CopyOnWriteArrayList<>();

	volatile int pings;

	volatile @Nullable InetSocketAddress remoteAddress;

	/** Frames of a gathering transport, one list per flush. */
	final List<List<String>> flushes = new CopyOnWriteArrayList<>();

	private final List<String> buffered = new ArrayList<>();

	private volatile boolean gathering;

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

	FakeTransport gathering() {
		this.gathering = true;
		return this;
	}

	@Override
	public boolean gathers() {
		return this.gathering;
	}

	@Override
	public void queueText(ByteBuffer utf8, Consumer<@Nullable Throwable> onDone) {
		synchronized (this.buffered) {
			this.buffered.add(java.nio.charset.StandardCharsets.UTF_8.decode(utf8).toString());
		}
		onDone.accept(null);
	}

	/** Messages a gathering transport was asked to write at once (nothing buffered before or after them). */
	volatile int immediateWrites;

	@Override
	public void writeText(ByteBuffer utf8, Consumer<@Nullable Throwable> onDone) {
		this.immediateWrites++;
		Transport.super.writeText(utf8, onDone);
	}

	@Override
	public void queuePing(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		synchronized (this.buffered) {
			this.buffered.add("<ping>");
		}
		onDone.accept(null);
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		List<String> batch;
		synchronized (this.buffered) {
			batch = List.copyOf(this.buffered);
			this.buffered.clear();
		}
		this.flushes.add(batch);
		batch.forEach((frame) -> {
			if (frame.equals("<ping>")) {
				this.pings++;
			}
			else {
				this.texts.add(frame);
			}
		});
		synchronized (this.held) {
			if (this.stalled) {
				this.held.add(() -> onDone.accept(null));
				return;
			}
		}
		onDone.accept(null);
	}

	int bufferedCount() {
		synchronized (this.buffered) {
			return this.buffered.size();
		}
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
