package io.github.pulse.core;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The engine's timer: one task for heartbeats, write and idle timeouts, resume expiry and the closes that wait for
 * a write, for every connection, with no task per connection; and one for the acknowledgements of client messages,
 * which looks only at the sessions that owe one and so can run as often as their pacing needs. It only decides and
 * hands work on; it never does I/O itself. It runs on its own thread ({@code pulse-timer}) unless it is given a
 * scheduler, which it then never shuts down.
 */
final class EngineTimer {

	private static final Duration MIN_PERIOD = Duration.ofMillis(10);

	private static final Duration MAX_PERIOD = Duration.ofSeconds(1);

	private final Duration period;

	private final Duration ackPeriod;

	private @Nullable ScheduledExecutorService supplied;

	private @Nullable ScheduledExecutorService own;

	private @Nullable ScheduledFuture<?> ticking;

	private @Nullable ScheduledFuture<?> acknowledging;

	EngineTimer(PulseSettings settings) {
		this.period = periodFor(settings);
		this.ackPeriod = ackPeriodFor(settings);
	}

	/**
	 * Interval of the acknowledgement pass: a quarter of the acknowledgement interval, between 10 ms and 1 s, so an
	 * acknowledgement goes at most a quarter of the interval late.
	 */
	static Duration ackPeriodFor(PulseSettings settings) {
		return clamp(settings.clientAckInterval().dividedBy(4));
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
		return clamp(shortest.dividedBy(4));
	}

	private static Duration clamp(Duration period) {
		if (period.compareTo(MIN_PERIOD) < 0) {
			return MIN_PERIOD;
		}
		return (period.compareTo(MAX_PERIOD) > 0) ? MAX_PERIOD : period;
	}

	Duration period() {
		return this.period;
	}

	Duration ackPeriod() {
		return this.ackPeriod;
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
	 * @param tick the pass over every session, every {@link #period()}
	 * @param ackPass the acknowledgement pass, every {@link #ackPeriod()}
	 * @return {@code false} if it was running already
	 */
	synchronized boolean start(Runnable tick, Runnable ackPass) {
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
		long ackNanos = this.ackPeriod.toNanos();
		this.acknowledging = scheduler.scheduleAtFixedRate(ackPass, ackNanos, ackNanos, TimeUnit.NANOSECONDS);
		return true;
	}

	synchronized void stop() {
		ScheduledFuture<?> ticking = this.ticking;
		if (ticking != null) {
			ticking.cancel(false);
			this.ticking = null;
		}
		ScheduledFuture<?> acknowledging = this.acknowledging;
		if (acknowledging != null) {
			acknowledging.cancel(false);
			this.acknowledging = null;
		}
		ScheduledExecutorService own = this.own;
		if (own != null) {
			own.shutdownNow();
			this.own = null;
		}
	}

}
