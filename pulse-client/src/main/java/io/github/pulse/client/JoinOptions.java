package io.github.pulse.client;

import java.time.Duration;

/**
 * Options of a {@link PulseClient#join(String, JoinOptions) join}.
 *
 * @param timeout how long to wait for the server's answer, from the call
 * @param history how many of the room's most recent broadcasts to get right after the answer, before its live
 * frames ({@code 0} to {@link #MAX_HISTORY}; {@code 0} for none): they arrive as messages whose
 * {@link ClientMessage#history()} is {@code true}, as many as the room kept, none for a room without history
 */
public record JoinOptions(Duration timeout, int history) {

	/** Default {@link #timeout()}. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	/** Most broadcasts a join may ask for. */
	public static final int MAX_HISTORY = 1000;

	/**
	 * Checks the options.
	 * @param timeout how long to wait for the server's answer
	 * @param history how many of the room's most recent broadcasts to get
	 */
	public JoinOptions {
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("Join timeout must be positive, got " + timeout);
		}
		if (history < 0 || history > MAX_HISTORY) {
			throw new IllegalArgumentException("Join history must be from 0 to " + MAX_HISTORY + ", got " + history);
		}
	}

	/**
	 * Options without history.
	 * @param timeout how long to wait for the server's answer
	 */
	public JoinOptions(Duration timeout) {
		this(timeout, 0);
	}

	/**
	 * The defaults: a timeout of {@link #DEFAULT_TIMEOUT}, no history.
	 * @return the options
	 */
	public static JoinOptions defaults() {
		return new JoinOptions(DEFAULT_TIMEOUT);
	}

	/**
	 * These options, asking for the room's most recent broadcasts.
	 * @param history how many, {@code 0} to {@link #MAX_HISTORY}
	 * @return the options
	 */
	public JoinOptions withHistory(int history) {
		return new JoinOptions(this.timeout, history);
	}

}
