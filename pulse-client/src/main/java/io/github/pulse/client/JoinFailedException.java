package io.github.pulse.client;

/**
 * The server refused a {@link PulseClient#join join}: its {@code joinFailed} answer's reason, {@code forbidden},
 * {@code invalid room} or {@code too many rooms}.
 */
public class JoinFailedException extends PulseClientException {

	private static final long serialVersionUID = 1L;

	private final String room;

	private final String reason;

	/**
	 * Creates the exception.
	 * @param room the room
	 * @param reason the reason from the answer
	 */
	public JoinFailedException(String room, String reason) {
		super("Join of room '" + room + "' failed: " + reason, null);
		this.room = room;
		this.reason = reason;
	}

	/**
	 * The room that could not be joined.
	 * @return the room
	 */
	public String room() {
		return this.room;
	}

	/**
	 * Why, as the server said: {@code forbidden}, {@code invalid room} or {@code too many rooms}.
	 * @return the reason
	 */
	public String reason() {
		return this.reason;
	}

}
