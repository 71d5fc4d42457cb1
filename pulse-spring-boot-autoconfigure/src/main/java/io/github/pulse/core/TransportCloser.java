package io.github.pulse.core;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
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

	/** Tasks handed to an executor and not yet finished, so that a shutdown can wait for them on any executor. */
	private final AtomicInteger running = new AtomicInteger();

	private final Object idle = new Object();

	/** Transports let go of while a write was in flight on them, waiting for that write to close them. */
	private final Map<Transport, Leaving> leaving = new ConcurrentHashMap<>();

	TransportCloser(LongSupplier nanoClock, long writeTimeoutNanos) {
		this.nanoClock = nanoClock;
		this.writeTimeoutNanos = writeTimeoutNanos;
	}

	private static ThreadPoolExecutor newIoExecutor() {
		return PulseExecutors.newIoPool(32, Duration.ofSeconds(30));
	}

	/**
	 * Runs the I/O work on the given executor, which this class never shuts down, instead of its own pool.
	 */
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
		Executor replacement = this.replacement;
		Executor executor = (replacement != null) ? replacement : this.io;
		this.running.incrementAndGet();
		Runnable tracked = () -> {
			try {
				task.run();
			}
			finally {
				finished();
			}
		};
		try {
			executor.execute(tracked);
		}
		catch (RejectedExecutionException ex) {
			// shut down already (a close owed during or after shutdown): do it here rather than never
			tracked.run();
		}
	}

	private void finished() {
		if (this.running.decrementAndGet() == 0) {
			synchronized (this.idle) {
				this.idle.notifyAll();
			}
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
	 * Waits up to {@code waitMillis} for the I/O work under way, on whichever executor (and {@code graceMillis} more
	 * on the engine's own pool, whose close frames are its own), then stops the engine's own pool; an executor
	 * passed to {@link #replaceExecutor} is left running.
	 */
	void shutdown(long waitMillis, long graceMillis) {
		long total = waitMillis + ((this.replacement == null) ? graceMillis : 0);
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(total);
		synchronized (this.idle) {
			long left;
			while (this.running.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
				try {
					TimeUnit.NANOSECONDS.timedWait(this.idle, left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
		}
		this.io.shutdown();
	}

	/**
	 * The number of I/O tasks handed on and not finished.
	 */
	int runningTasks() {
		return this.running.get();
	}

	private record Leaving(PulseCloseStatus status, long sinceNanos) {
	}

}
