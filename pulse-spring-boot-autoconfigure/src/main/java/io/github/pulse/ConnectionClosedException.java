package io.github.pulse;

/**
 * Thrown when a frame is sent to, or a room joined by, a connection that has ended.
 */
public class ConnectionClosedException extends PulseException {

	/**
	 * Creates the exception.
	 * @param connectionId the connection that has ended
	 */
	public ConnectionClosedException(String connectionId) {
		super("Connection " + connectionId + " is closed");
	}

}
