package io.github.pulse.core;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.github.pulse.PulseCloseStatus;
import org.jspecify.annotations.Nullable;

/**
 * In-memory transport: records what the engine writes. Writes complete at once unless stalled, in which case they
 * complete when {@link #release()} is called. A {@link #gathering()} transport buffers written frames and records
 * them only when flushed; a stalled one holds its flushes.
 */
final class FakeTransport implements Transport {

	final List<String> texts = new CopyOnWriteArrayList<>();

	final List<PulseCloseStatus> closes = new CopyOnWriteArrayList<>();

	/** How many texts had been written when each close came, in the order of {@link #closes}. */
	final List<Integer> textsBeforeClose = new CopyOnWriteArrayList<>();

	/** The thread of each write, in the order of {@link #texts}. */
	final List<String> writerThreads = new CopyOnWriteArrayList<>();

	volatile int pings;

	volatile int aborts;

	volatile @Nullable InetSocketAddress remoteAddress;

	/** Frames of a gathering transport, one list per flush. */
	final List<List<String>> flushes = new CopyOnWriteArrayList<>();

	private final List<String> buffered = new ArrayList<>();

	private volatile boolean gathering;

	private volatile boolean stalled;

	private final List<Runnable> held = new ArrayList<>();

	/** Messages a gathering transport was asked to write at once (nothing buffered before or after them). */
	volatile int immediateWrites;

	FakeTransport gathering() {
		this.gathering = true;
		return this;
	}

	@Override
	public void write(Frame frame, Consumer<@Nullable Throwable> onDone) {
		if (this.gathering) {
			synchronized (this.buffered) {
				this.buffered.add(java.nio.charset.StandardCharsets.UTF_8.decode(frame.utf8()).toString());
			}
			onDone.accept(null);
			return;
		}
		this.texts.add(frame.text());
		this.writerThreads.add(Thread.currentThread().getName());
		complete(onDone);
	}

	@Override
	public void writeAndFlush(Frame frame, Consumer<@Nullable Throwable> onDone) {
		if (this.gathering) {
			this.immediateWrites++;
		}
		Transport.super.writeAndFlush(frame, onDone);
	}

	@Override
	public void ping(ByteBuffer payload, Consumer<@Nullable Throwable> onDone) {
		if (this.gathering) {
			synchronized (this.buffered) {
				this.buffered.add("<ping>");
			}
			onDone.accept(null);
			return;
		}
		this.pings++;
		onDone.accept(null);
	}

	@Override
	public void flush(Consumer<@Nullable Throwable> onDone) {
		if (!this.gathering) {
			onDone.accept(null);
			return;
		}
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
		complete(onDone);
	}

	private void complete(Consumer<@Nullable Throwable> onDone) {
		synchronized (this.held) {
			if (this.stalled) {
				this.held.add(() -> onDone.accept(this.failing ? new java.io.IOException("broken pipe") : null));
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

	/**
	 * Completes the held writes with a failure, as a socket that broke under them.
	 */
	void fail() {
		this.failing = true;
		completeHeld();
	}

	private volatile boolean failing;

	void release() {
		completeHeld();
	}

	private void completeHeld() {
		List<Runnable> completions;
		synchronized (this.held) {
			this.stalled = false;
			completions = new ArrayList<>(this.held);
			this.held.clear();
		}
		completions.forEach(Runnable::run);
	}

	@Override
	public void close(PulseCloseStatus status) {
		this.textsBeforeClose.add(this.texts.size());
		this.closes.add(status);
	}

	@Override
	public void abort() {
		this.aborts++;
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
