package io.github.pulse.core;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The engine's one timer task: heartbeats, write and idle timeouts, resume expiry and the closes that wait for a
 * write, for every connection, with no task per connection. It only decides and hands work on; it never does I/O
 * itself. It runs on its own thread ({@code pulse-timer}) unless it is given a scheduler, which it then never shuts
 * down.
 */
final class EngineTimer {

	private final Duration period;

	private @Nullable ScheduledExecutorService supplied;

	private @Nullable ScheduledExecutorService own;

	private @Nullable ScheduledFuture<?> ticking;

	EngineTimer(PulseSettings settings) {
		this.period = periodFor(settings);
	}

	/**
	 * Interval of the timer: a quarter of the shortest timeout, between 10 ms and 1 s.
	 */
	static Duration periodFor(PulseSettings settings) {
		Duration shortest = settings.heartbeatInterval();
		for (Duration candidate : new Duration[] { settings.heartbeatTimeout(), settings.writeTimeout(),
				settings.idleTimeout(), settings.resumeEnabled() ? settings.resumeWindow() : null }) {
			if (candidate != null && candidate.compareTo(shortest) < 0) {
				shortest = candidate;
			}
		}
		Duration quarter = shortest.dividedBy(4);
		if (quarter.compareTo(Duration.ofMillis(10)) < 0) {
			return Duration.ofMillis(10);
		}
		return (quarter.compareTo(Duration.ofSeconds(1)) > 0) ? Duration.ofSeconds(1) : quarter;
	}

	Duration period() {
		return this.period;
	}

	/**
	 * Ticks on the given scheduler, which this class never shuts down, instead of its own thread. Call before
	 * {@link #start}.
	 */
	synchronized void useScheduler(@Nullable ScheduledExecutorService scheduler) {
		this.supplied = scheduler;
	}

	/**
	 * Starts ticking.
	 * @return {@code false} if it was running already
	 */
	synchronized boolean start(Runnable tick) {
		if (this.ticking != null) {
			return false;
		}
		ScheduledExecutorService scheduler = this.supplied;
		if (scheduler == null) {
			scheduler = PulseExecutors.newTimer();
			this.own = scheduler;
		}
		long nanos = this.period.toNanos();
		this.ticking = scheduler.scheduleAtFixedRate(tick, nanos, nanos, TimeUnit.NANOSECONDS);
		return true;
	}

	synchronized void stop() {
		ScheduledFuture<?> ticking = this.ticking;
		if (ticking != null) {
			ticking.cancel(false);
			this.ticking = null;
		}
		ScheduledExecutorService own = this.own;
		if (own != null) {
			own.shutdownNow();
			this.own = null;
		}
	}

}
