package io.github.pulse.client;

import org.jspecify.annotations.Nullable;

/**
 * A send could not complete because the client was closed, is closing, or gave up.
 */
public class ClientClosedException extends PulseClientException {

	/**
	 * Creates the exception.
	 * @param message what happened
	 * @param cause why the client failed, if it did
	 */
	public ClientClosedException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
