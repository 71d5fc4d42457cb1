package io.github.pulse;

/**
 * Thrown by a direct send when the connection's outbound buffer is full: the frame was not queued.
 */
public class SendBufferFullException extends PulseException {

	/**
	 * Creates the exception.
	 * @param connectionId the connection whose buffer is full
	 */
	public SendBufferFullException(String connectionId) {
		super("Send buffer of connection " + connectionId
				+ " is full (pulse.buffer.send-frames / pulse.buffer.send-bytes); the frame was not queued");
	}

}
