package io.github.pulse.client;

import java.time.Duration;

/**
 * Exponential backoff with jitter. The base delay of attempt {@code n} (1 for the first attempt after a drop) is
 * {@code min(maxDelay, initialDelay * factor^(n-1))}; the delay actually waited removes a random share of it,
 * {@code base * (1 - jitter * r)} with {@code r} uniform in {@code [0, 1)}, so it never exceeds {@code maxDelay}
 * and a jitter of 1 spreads reconnecting clients over the whole interval ("full jitter").
 *
 * @param initialDelay base delay of the first attempt, positive
 * @param maxDelay ceiling of the base delay, at least {@code initialDelay}
 * @param factor growth per attempt, at least 1
 * @param jitter share of the delay that may be removed at random, from 0 to 1
 */
public record Backoff(Duration initialDelay, Duration maxDelay, double factor, double jitter) {

	/** 500 ms doubling up to 30 s, half of each delay random. */
	public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.5);

	/**
	 * Validates the settings.
	 * @param initialDelay base delay of the first attempt
	 * @param maxDelay ceiling of the base delay
	 * @param factor growth per attempt
	 * @param jitter share of the delay removed at random
	 */
	public Backoff {
		if (initialDelay.isNegative() || initialDelay.isZero()) {
			throw new IllegalArgumentException("Backoff initialDelay (" + initialDelay + ") must be positive");
		}
		if (maxDelay.compareTo(initialDelay) < 0) {
			throw new IllegalArgumentException(
					"Backoff maxDelay (" + maxDelay + ") must be at least initialDelay (" + initialDelay + ")");
		}
		if (!(factor >= 1.0) || Double.isInfinite(factor)) {
			throw new IllegalArgumentException("Backoff factor (" + factor + ") must be at least 1");
		}
		if (!(jitter >= 0.0 && jitter <= 1.0)) {
			throw new IllegalArgumentException("Backoff jitter (" + jitter + ") must be between 0 and 1");
		}
	}

	/**
	 * Base delay of an attempt, before jitter.
	 * @param attempt the attempt number, 1 for the first
	 * @return {@code min(maxDelay, initialDelay * factor^(attempt-1))}
	 */
	public Duration baseDelay(int attempt) {
		if (attempt < 1) {
			throw new IllegalArgumentException("attempt (" + attempt + ") must be at least 1");
		}
		double nanos = this.initialDelay.toNanos() * Math.pow(this.factor, attempt - 1);
		long max = this.maxDelay.toNanos();
		return Duration.ofNanos((nanos >= max) ? max : (long) nanos);
	}

	/**
	 * Delay to wait before an attempt.
	 * @param attempt the attempt number, 1 for the first
	 * @param random a number in {@code [0, 1)}
	 * @return {@code baseDelay(attempt) * (1 - jitter * random)}
	 */
	public Duration delay(int attempt, double random) {
		if (!(random >= 0.0 && random < 1.0)) {
			throw new IllegalArgumentException("random (" + random + ") must be in [0, 1)");
		}
		return Duration.ofNanos(Math.round(baseDelay(attempt).toNanos() * (1.0 - this.jitter * random)));
	}

}
