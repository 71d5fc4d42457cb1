package io.github.pulse.core;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The engine's one timer thread ({@code pulse-timer}): heartbeats, write and idle timeouts, resume expiry and the
 * closes that wait for a write, for every connection, with no task per connection. It only decides and hands work
 * on; it never does I/O itself.
 */
final class EngineTimer {

	private final Duration period;

	private @Nullable ScheduledExecutorService scheduler;

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
	 * Starts ticking.
	 * @return {@code false} if it was running already
	 */
	synchronized boolean start(Runnable tick) {
		if (this.scheduler != null) {
			return false;
		}
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "pulse-timer");
			thread.setDaemon(true);
			return thread;
		});
		long nanos = this.period.toNanos();
		scheduler.scheduleAtFixedRate(tick, nanos, nanos, TimeUnit.NANOSECONDS);
		this.scheduler = scheduler;
		return true;
	}

	synchronized void stop() {
		ScheduledExecutorService scheduler = this.scheduler;
		if (scheduler != null) {
			scheduler.shutdownNow();
			this.scheduler = null;
		}
	}

}
