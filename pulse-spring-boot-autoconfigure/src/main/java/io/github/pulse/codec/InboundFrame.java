package io.github.pulse.codec;

import org.jspecify.annotations.Nullable;

/**
 * A decoded client-to-server frame.
 *
 * @param type the frame type: {@code message}, {@code ping}, {@code ack} or a type this server does not know
 * @param event the application event of a {@code message} frame, else {@code null}
 * @param payload the codec-specific payload of a {@code message} frame ({@code null} when absent)
 * @param seq the acknowledged sequence number of an {@code ack} frame, else {@code -1}
 * @param ref the request reference of a {@code message} frame that expects a reply, as sent (the engine checks its
 * length), else {@code null}
 * @param cseq the client sequence number of a {@code message} frame, as sent (the engine checks it), else {@code -1}
 */
public record InboundFrame(String type, @Nullable String event, @Nullable Object payload, long seq,
		@Nullable String ref, long cseq) {

	/** Type of application message frames. */
	public static final String MESSAGE = "message";

	/** Type of application-level ping frames. */
	public static final String PING = "ping";

	/** Type of acknowledgement frames. */
	public static final String ACK = "ack";

	/**
	 * A frame without a request reference or client sequence number, as older codecs decode it.
	 * @param type the frame type
	 * @param event the application event of a {@code message} frame, else {@code null}
	 * @param payload the codec-specific payload ({@code null} when absent)
	 * @param seq the acknowledged sequence number of an {@code ack} frame, else {@code -1}
	 */
	public InboundFrame(String type, @Nullable String event, @Nullable Object payload, long seq) {
		this(type, event, payload, seq, null, -1);
	}

}
