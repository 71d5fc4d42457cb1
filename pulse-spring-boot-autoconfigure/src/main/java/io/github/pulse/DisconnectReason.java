package io.github.pulse;

/**
 * Why a session or one of its transports ended. Every ending maps to exactly one reason and one close status.
 */
public enum DisconnectReason {

	/** The client closed the WebSocket with a close frame. */
	NORMAL("normal"),

	/** The application closed the connection through {@link PulseConnection#close(int, String)}. */
	CLOSED("closed"),

	/** The connection was kicked through {@link PulseServer#kick(String)}. */
	KICKED("kicked"),

	/** A newer connection with the same id replaced this one. */
	REPLACED("replaced"),

	/** The send buffer overflowed under the {@code disconnect} overflow policy. */
	SLOW_CONSUMER("slow consumer"),

	/** No inbound application message arrived within {@code pulse.idle-timeout}. */
	IDLE_TIMEOUT("idle timeout"),

	/** No pong or other inbound frame arrived within {@code pulse.heartbeat.timeout} after a ping. */
	HEARTBEAT_TIMEOUT("heartbeat timeout"),

	/** The client broke the protocol: malformed JSON, invalid fields, binary frames or over-sized messages. */
	PROTOCOL_ERROR("protocol error"),

	/** An {@code onMessage} listener threw an exception. */
	HANDLER_ERROR("handler error"),

	/** The transport failed: an I/O error, a write timeout or a connection lost without a close frame. */
	TRANSPORT_ERROR("transport error"),

	/** A suspended session was not resumed within {@code pulse.resume.window}. */
	RESUME_EXPIRED("resume expired"),

	/** The server shut down. */
	SERVER_SHUTDOWN("server shutting down");

	private final String description;

	DisconnectReason(String description) {
		this.description = description;
	}

	/**
	 * Human-readable description, also used as the {@code reason} tag value of meters.
	 * @return the description, lower case with spaces
	 */
	public String description() {
		return this.description;
	}

	/**
	 * Tag value for meters: the description with dashes instead of spaces.
	 * @return a bounded tag value such as {@code slow-consumer}
	 */
	public String tagValue() {
		return this.description.replace(' ', '-');
	}

}
