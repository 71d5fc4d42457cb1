package io.github.pulse.client;

/**
 * The server answered the WebSocket handshake with an HTTP status instead of upgrading. 4xx statuses other than
 * 408 and 429 are final: retrying with the same request cannot succeed, so the client moves to
 * {@link ClientState#FAILED} at once.
 */
public class HandshakeRejectedException extends PulseClientException {

	/** HTTP status of the refused handshake. */
	private final int status;

	/**
	 * Creates the exception.
	 * @param status the HTTP status of the answer
	 * @param cause the JDK's handshake exception
	 */
	public HandshakeRejectedException(int status, Throwable cause) {
		super("Handshake rejected with HTTP " + status, cause);
		this.status = status;
	}

	/**
	 * HTTP status of the answer.
	 * @return the status
	 */
	public int status() {
		return this.status;
	}

	/**
	 * Whether another attempt could succeed: 5xx, 408 and 429.
	 * @return {@code true} if the client may retry
	 */
	public boolean isRetryable() {
		return this.status >= 500 || this.status == 408 || this.status == 429;
	}

}
