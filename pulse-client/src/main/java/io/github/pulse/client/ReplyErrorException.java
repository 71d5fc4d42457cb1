package io.github.pulse.client;

/**
 * The server answered a {@link PulseClient#request request} with an error: the code and message its handler chose
 * ({@code PulseReplyException} on the server), or {@code internal} / {@code internal error} when the handler failed
 * in any other way.
 */
public class ReplyErrorException extends PulseClientException {

	private static final long serialVersionUID = 1L;

	private final String code;

	/**
	 * Creates the exception.
	 * @param event the event of the request
	 * @param code the error code from the reply
	 * @param message the error message from the reply
	 */
	public ReplyErrorException(String event, String code, String message) {
		super("Request '" + event + "' failed with " + code + ": " + message, null);
		this.code = code;
	}

	/**
	 * The error code of the reply, such as {@code not-found} or {@code internal}.
	 * @return the code
	 */
	public String code() {
		return this.code;
	}

}
