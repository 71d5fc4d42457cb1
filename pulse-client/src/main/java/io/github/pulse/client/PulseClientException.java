package io.github.pulse.client;

import org.jspecify.annotations.Nullable;

/**
 * Base class of the exceptions the pulse client reports.
 */
public class PulseClientException extends RuntimeException {

	/**
	 * Creates an exception.
	 * @param message what went wrong
	 * @param cause the underlying failure, if any
	 */
	public PulseClientException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
