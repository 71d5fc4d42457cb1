package io.github.pulse.core;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executors the engine runs on: one for its I/O work (close frames, aborts, blocking pings, listener callbacks
 * owed after a hand-over; each task waits at most the write timeout) and the scheduler of its one timer (heartbeats,
 * timeouts, resume expiry; it only decides and hands work on). Define a bean of this type to run pulse on
 * executors of your own: {@link #of} wraps them and pulse never shuts them down.
 */
public final class PulseExecutors implements AutoCloseable {

	private final Executor io;

	private final ScheduledExecutorService timer;

	private final boolean owned;

	private PulseExecutors(Executor io, ScheduledExecutorService timer, boolean owned) {
		this.io = io;
		this.timer = timer;
		this.owned = owned;
	}

	/**
	 * Executors the caller owns: {@link #close()} leaves them running.
	 * @param io runs the engine's I/O work; it must not run a task on the submitting thread (the timer's)
	 * @param timer runs the engine's two timer tasks (every session, and the acknowledgements owed) at a fixed rate;
	 * one platform thread is enough
	 * @return the executors
	 */
	public static PulseExecutors of(Executor io, ScheduledExecutorService timer) {
		return new PulseExecutors(io, timer, false);
	}

	/**
	 * A pool of platform threads ({@code pulse-io-N}) and a timer thread ({@code pulse-timer}), both daemon threads,
	 * shut down by {@link #close()}.
	 * @param ioThreads the most I/O threads at once
	 * @param ioKeepAlive how long an idle I/O thread is kept
	 * @return the executors
	 */
	public static PulseExecutors create(int ioThreads, Duration ioKeepAlive) {
		return new PulseExecutors(newIoPool(ioThreads, ioKeepAlive), newTimer(), true);
	}

	/**
	 * The given I/O executor with a timer thread ({@code pulse-timer}); {@link #close()} shuts down both: the I/O
	 * executor if it is an {@link ExecutorService} or {@link AutoCloseable}.
	 * @param io runs the engine's I/O work, e.g. one virtual thread per task
	 * @return the executors
	 */
	public static PulseExecutors create(Executor io) {
		return new PulseExecutors(io, newTimer(), true);
	}

	static ThreadPoolExecutor newIoPool(int threads, Duration keepAlive) {
		AtomicInteger count = new AtomicInteger();
		ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, keepAlive.toNanos(), TimeUnit.NANOSECONDS,
				new LinkedBlockingQueue<>(), (task) -> daemon(task, "pulse-io-" + count.incrementAndGet()));
		pool.allowCoreThreadTimeOut(true);
		return pool;
	}

	static ScheduledExecutorService newTimer() {
		ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, (task) -> daemon(task, "pulse-timer"));
		timer.setRemoveOnCancelPolicy(true);
		return timer;
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	/**
	 * The executor of the engine's I/O work.
	 * @return the executor
	 */
	public Executor io() {
		return this.io;
	}

	/**
	 * The scheduler of the engine's timer.
	 * @return the scheduler
	 */
	public ScheduledExecutorService timer() {
		return this.timer;
	}

	/**
	 * Whether {@link #close()} shuts the executors down: {@code false} for {@link #of}.
	 * @return whether pulse owns the executors
	 */
	public boolean isOwned() {
		return this.owned;
	}

	/**
	 * Shuts down executors pulse created; does nothing to those passed to {@link #of}. Work still under way
	 * finishes on its thread; the engine waits for it when it shuts down, before this is called.
	 */
	@Override
	public void close() throws Exception {
		if (!this.owned) {
			return;
		}
		this.timer.shutdownNow();
		if (this.io instanceof ExecutorService service) {
			service.shutdown();
		}
		else if (this.io instanceof AutoCloseable closeable) {
			closeable.close();
		}
	}

}
