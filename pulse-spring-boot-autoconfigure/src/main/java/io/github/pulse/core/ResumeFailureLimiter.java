package io.github.pulse.core;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Counts failed resume attempts per remote address in fixed one-minute windows, so that resume tokens cannot be
 * guessed by trying: once an address reaches the limit, its further resumes are refused without looking at the
 * token until the minute is over. Entries are purged by the timer once their minute is over; the map is capped so
 * that a flood of addresses cannot grow it without bound (beyond the cap new addresses are not tracked, and the
 * 128-bit token secret remains the real protection).
 */
final class ResumeFailureLimiter {

	private static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);

	private static final int MAX_TRACKED_ADDRESSES = 100_000;

	private final int maxFailures;

	private final Map<InetAddress, Window> windows = new ConcurrentHashMap<>();

	/**
	 * @param maxFailuresPerMinute failures allowed per address and minute; 0 or less for no limit
	 */
	ResumeFailureLimiter(int maxFailuresPerMinute) {
		this.maxFailures = maxFailuresPerMinute;
	}

	/**
	 * Whether resumes from this address are refused at the moment.
	 */
	boolean isBlocked(@Nullable InetAddress address, long nowNanos) {
		if (this.maxFailures <= 0 || address == null) {
			return false;
		}
		Window window = this.windows.get(address);
		return window != null && window.count(nowNanos) >= this.maxFailures;
	}

	/**
	 * Records a failed resume from this address.
	 */
	void failed(@Nullable InetAddress address, long nowNanos) {
		if (this.maxFailures <= 0 || address == null) {
			return;
		}
		Window window = this.windows.get(address);
		if (window == null) {
			if (this.windows.size() >= MAX_TRACKED_ADDRESSES) {
				return;
			}
			window = this.windows.computeIfAbsent(address, (key) -> new Window(nowNanos));
		}
		window.increment(nowNanos);
	}

	/**
	 * Forgets addresses whose minute is over.
	 */
	void purge(long nowNanos) {
		this.windows.values().removeIf((window) -> window.isOver(nowNanos));
	}

	int trackedAddresses() {
		return this.windows.size();
	}

	private static final class Window {

		private long startNanos;

		private int failures;

		Window(long startNanos) {
			this.startNanos = startNanos;
		}

		synchronized int count(long nowNanos) {
			return isOver(nowNanos) ? 0 : this.failures;
		}

		synchronized void increment(long nowNanos) {
			if (isOver(nowNanos)) {
				this.startNanos = nowNanos;
				this.failures = 0;
			}
			this.failures++;
		}

		synchronized boolean isOver(long nowNanos) {
			return nowNanos - this.startNanos >= WINDOW_NANOS;
		}

	}

}
