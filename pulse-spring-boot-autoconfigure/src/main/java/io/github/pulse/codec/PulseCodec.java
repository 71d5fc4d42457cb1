package io.github.pulse.codec;

import org.jspecify.annotations.Nullable;

/**
 * Reads and writes the JSON values of the pulse wire protocol. The frame envelope is fixed by the protocol; the
 * codec decides how application payloads map to and from Java objects.
 * <p>
 * Implementations must be thread-safe.
 */
public interface PulseCodec {

	/**
	 * Encodes an application payload as a JSON value.
	 * @param payload the payload, {@code null} for JSON {@code null}
	 * @return the JSON text of the value
	 * @throws IllegalArgumentException if the payload cannot be encoded
	 */
	String encodePayload(@Nullable Object payload);

	/**
	 * Encodes a string as a JSON string literal, quotes included.
	 * @param value the string
	 * @return the JSON string literal
	 */
	String quote(String value);

	/**
	 * Decodes one client frame.
	 * @param text the text of the WebSocket message
	 * @return the decoded frame
	 * @throws FrameDecodingException if the text is not a valid pulse frame; its message names the problem and is
	 * sent to the client as the close reason
	 */
	InboundFrame decode(String text) throws FrameDecodingException;

	/**
	 * Converts a decoded payload to an application type.
	 * @param <T> the target type
	 * @param payload the payload as returned in {@link InboundFrame#payload()}
	 * @param type the target type
	 * @return the converted payload
	 * @throws IllegalArgumentException if the payload cannot be converted
	 */
	<T> @Nullable T convert(@Nullable Object payload, Class<T> type);

}
