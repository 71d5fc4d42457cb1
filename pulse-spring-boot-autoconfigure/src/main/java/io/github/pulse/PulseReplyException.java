package io.github.pulse;

/**
 * Thrown by a message handler ({@code @PulseEvent} method or {@link PulseListener#onMessage}) to answer a request
 * with an application error: the client's request fails with this code and message,
 * {@code {"type":"reply","ref":..,"error":{"code":..,"message":..}}}, and the connection stays open. Both are the
 * application's words and reach the client as they are; no stack trace does. On a message without {@code ref}
 * nobody waits for an answer: the exception is logged at DEBUG and the connection stays open.
 */
public class PulseReplyException extends PulseException {

	private static final long serialVersionUID = 1L;

	/** Most characters of a code. */
	public static final int MAX_CODE_LENGTH = 64;

	private final String code;

	/**
	 * Creates an application error.
	 * @param code what went wrong, for programs: 1 to 64 characters, such as {@code not-found}; {@code internal} is
	 * what pulse answers for any other exception
	 * @param message what went wrong, for people; sent to the client
	 * @throws IllegalArgumentException if the code is empty or longer than 64 characters
	 */
	public PulseReplyException(String code, String message) {
		super(message);
		if (code.isEmpty() || code.length() > MAX_CODE_LENGTH) {
			throw new IllegalArgumentException("reply error code must be 1 to " + MAX_CODE_LENGTH + " characters");
		}
		this.code = code;
	}

	/**
	 * The error code the client's request fails with.
	 * @return the code
	 */
	public String code() {
		return this.code;
	}

}
