package io.github.pulse;

/**
 * Base class of the unchecked exceptions pulse throws to callers of its API.
 */
public class PulseException extends RuntimeException {

	/**
	 * Creates an exception with a message.
	 * @param message what went wrong and, where useful, what to do
	 */
	public PulseException(String message) {
		super(message);
	}

}
