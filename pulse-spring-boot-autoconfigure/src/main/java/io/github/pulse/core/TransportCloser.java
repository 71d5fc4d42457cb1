package io.github.pulse.core;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.github.pulse.PulseCloseStatus;
import org.jspecify.annotations.Nullable;

/**
 * Lets go of transports, off the caller's thread: close frames on the I/O pool (a close may wait, at most the write
 * timeout, for a peer that reads slowly), and only on a transport with no write in flight. A transport let go of
 * while a write is in flight on it waits here until that write completes, then gets its close frame; if the write
 * outlives the write timeout the connection is dropped without one, which does not block. So a stalled peer never
 * holds a pool thread, and other closes do not wait behind it.
 */
final class TransportCloser {

	private final LongSupplier nanoClock;

	private final long writeTimeoutNanos;

	private volatile ThreadPoolExecutor io = newIoExecutor();

	private volatile @Nullable Executor replacement;

	/** Transports let go of while a write was in flight on them, waiting for that write to close them. */
	private final Map<Transport, Leaving> leaving = new ConcurrentHashMap<>();

	TransportCloser(LongSupplier nanoClock, long writeTimeoutNanos) {
		this.nanoClock = nanoClock;
		this.writeTimeoutNanos = writeTimeoutNanos;
	}

	private static ThreadPoolExecutor newIoExecutor() {
		AtomicInteger threads = new AtomicInteger();
		ThreadPoolExecutor executor = new ThreadPoolExecutor(32, 32, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				(task) -> {
					Thread thread = new Thread(task, "pulse-io-" + threads.incrementAndGet());
					thread.setDaemon(true);
					return thread;
				});
		executor.allowCoreThreadTimeOut(true);
		return executor;
	}

	void replaceExecutor(@Nullable Executor executor) {
		this.replacement = executor;
	}

	/**
	 * A fresh pool after a {@link #shutdown}.
	 */
	void restart() {
		if (this.io.isShutdown()) {
			this.io = newIoExecutor();
		}
	}

	void execute(Runnable task) {
		Executor executor = this.replacement;
		if (executor != null) {
			executor.execute(task);
			return;
		}
		try {
			this.io.execute(task);
		}
		catch (RejectedExecutionException ex) {
			task.run();
		}
	}

	/**
	 * Closes a transport the session let go of while a write was in flight on it: once that write completes
	 * ({@link #staleWriteDone}), or, if it outlives the write timeout, by dropping the connection. Called under the
	 * session's lock, before that write can complete and look for it.
	 */
	void closeAfterWrite(Transport transport, PulseCloseStatus status) {
		this.leaving.put(transport, new Leaving(status, this.nanoClock.getAsLong()));
	}

	/**
	 * A write completed on a transport that is no longer its session's: the close owed to it, if any, now due.
	 * @return the status to close it with, or {@code null} if nothing is owed
	 */
	@Nullable PulseCloseStatus owedAfterWrite(Transport transport) {
		Leaving owed = this.leaving.remove(transport);
		return (owed != null) ? owed.status() : null;
	}

	/**
	 * The timer's pass: takes the transports whose write outlived the write timeout, to be dropped.
	 */
	List<Transport> overdue(long nowNanos) {
		List<Transport> overdue = new java.util.ArrayList<>();
		this.leaving.forEach((transport, owed) -> {
			if (nowNanos - owed.sinceNanos() >= this.writeTimeoutNanos && this.leaving.remove(transport, owed)) {
				overdue.add(transport);
			}
		});
		return overdue;
	}

	/**
	 * Takes every transport still waiting for its write, to be dropped at shutdown.
	 */
	List<Transport> takeAllLeaving() {
		List<Transport> all = new java.util.ArrayList<>();
		for (Transport transport : List.copyOf(this.leaving.keySet())) {
			if (this.leaving.remove(transport) != null) {
				all.add(transport);
			}
		}
		return all;
	}

	boolean isLeaving(Transport transport) {
		return this.leaving.containsKey(transport);
	}

	int leavingCount() {
		return this.leaving.size();
	}

	/**
	 * Stops the pool, waiting up to {@code waitMillis} for closes under way.
	 */
	void shutdown(long waitMillis) {
		this.io.shutdown();
		try {
			this.io.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private record Leaving(PulseCloseStatus status, long sinceNanos) {
	}

}
