package io.github.pulse.codec;

/**
 * Thrown when an inbound frame is not valid pulse JSON. The message is short, names the problem and never echoes
 * the client's data, because it becomes the reason of the 1007 close frame.
 */
public class FrameDecodingException extends Exception {

	/**
	 * Creates the exception.
	 * @param message what is wrong, e.g. {@code "missing event"}
	 */
	public FrameDecodingException(String message) {
		super(message, null, false, false);
	}

}
