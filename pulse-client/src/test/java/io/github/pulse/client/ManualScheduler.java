package io.github.pulse.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler on a virtual clock: tasks run only when a test advances time, on the test's thread. Records every
 * delay it was asked for.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

	private final PriorityQueue<Task> tasks = new PriorityQueue<>();

	private final List<Duration> requested = new ArrayList<>();

	private long nowNanos;

	private long sequence;

	/**
	 * Advances the clock, running every task that falls due on the way, in due order.
	 * @param duration how far to advance
	 */
	void advance(Duration duration) {
		long target;
		synchronized (this) {
			target = this.nowNanos + duration.toNanos();
		}
		while (true) {
			Task next;
			synchronized (this) {
				next = this.tasks.peek();
				if (next == null || next.dueNanos > target) {
					this.nowNanos = target;
					return;
				}
				this.tasks.poll();
				this.nowNanos = next.dueNanos;
			}
			if (!next.isCancelled()) {
				next.run();
			}
		}
	}

	/**
	 * Delays requested so far, in order.
	 * @return a snapshot
	 */
	synchronized List<Duration> requestedDelays() {
		return List.copyOf(this.requested);
	}

	/**
	 * Virtual time elapsed.
	 * @return the elapsed time
	 */
	synchronized Duration elapsed() {
		return Duration.ofNanos(this.nowNanos);
	}

	/**
	 * Tasks waiting, cancelled ones excluded.
	 * @return the count
	 */
	synchronized int pendingTasks() {
		return (int) this.tasks.stream().filter((task) -> !task.isCancelled()).count();
	}

	@Override
	public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
		long nanos = unit.toNanos(delay);
		this.requested.add(Duration.ofNanos(nanos));
		Task task = new Task(command, this.nowNanos + nanos, this.sequence++);
		this.tasks.add(task);
		return task;
	}

	@Override
	public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
		throw new UnsupportedOperationException();
	}

	@Override
	public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
		throw new UnsupportedOperationException();
	}

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
			TimeUnit unit) {
		throw new UnsupportedOperationException();
	}

	@Override
	public void execute(Runnable command) {
		schedule(command, 0, TimeUnit.NANOSECONDS);
	}

	@Override
	public void shutdown() {
	}

	@Override
	public List<Runnable> shutdownNow() {
		return List.of();
	}

	@Override
	public boolean isShutdown() {
		return false;
	}

	@Override
	public boolean isTerminated() {
		return false;
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) {
		return false;
	}

	private final class Task implements ScheduledFuture<Object>, Runnable {

		final Runnable command;

		final long dueNanos;

		final long order;

		private volatile boolean cancelled;

		private volatile boolean done;

		Task(Runnable command, long dueNanos, long order) {
			this.command = command;
			this.dueNanos = dueNanos;
			this.order = order;
		}

		@Override
		public void run() {
			this.done = true;
			this.command.run();
		}

		@Override
		public long getDelay(TimeUnit unit) {
			synchronized (ManualScheduler.this) {
				return unit.convert(this.dueNanos - ManualScheduler.this.nowNanos, TimeUnit.NANOSECONDS);
			}
		}

		@Override
		public int compareTo(Delayed other) {
			Task task = (Task) other;
			int byDue = Long.compare(this.dueNanos, task.dueNanos);
			return (byDue != 0) ? byDue : Long.compare(this.order, task.order);
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			if (this.done) {
				return false;
			}
			this.cancelled = true;
			return true;
		}

		@Override
		public boolean isCancelled() {
			return this.cancelled;
		}

		@Override
		public boolean isDone() {
			return this.done || this.cancelled;
		}

		@Override
		public Object get() {
			return null;
		}

		@Override
		public Object get(long timeout, TimeUnit unit) {
			return null;
		}

	}

}
