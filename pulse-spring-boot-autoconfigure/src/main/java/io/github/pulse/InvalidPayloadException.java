package io.github.pulse;

/**
 * Thrown by a listener when a message's payload is unusable, for example because it cannot be converted to the
 * type the handler expects. The engine closes the sender's connection with 1007 (invalid frame payload data),
 * using this exception's message as the close reason, and ends the session with
 * {@link DisconnectReason#PROTOCOL_ERROR}. Any other exception from a listener closes with 1011.
 */
public class InvalidPayloadException extends PulseException {

	/**
	 * Creates the exception.
	 * @param reason the close reason sent to the client: short, naming the event, never echoing the client's data;
	 * truncated to 123 UTF-8 bytes
	 */
	public InvalidPayloadException(String reason) {
		super(reason);
	}

}
