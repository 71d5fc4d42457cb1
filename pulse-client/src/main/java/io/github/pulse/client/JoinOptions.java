package io.github.pulse.client;

import java.time.Duration;

/**
 * Options of a {@link PulseClient#join(String, JoinOptions) join}.
 *
 * @param timeout how long to wait for the server's answer, from the call
 */
public record JoinOptions(Duration timeout) {

	/** Default {@link #timeout()}. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	/**
	 * Checks the options.
	 * @param timeout how long to wait for the server's answer
	 */
	public JoinOptions {
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("Join timeout must be positive, got " + timeout);
		}
	}

	/**
	 * The defaults: a timeout of {@link #DEFAULT_TIMEOUT}.
	 * @return the options
	 */
	public static JoinOptions defaults() {
		return new JoinOptions(DEFAULT_TIMEOUT);
	}

}
