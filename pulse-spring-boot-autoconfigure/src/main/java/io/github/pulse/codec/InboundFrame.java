package io.github.pulse.codec;

import org.jspecify.annotations.Nullable;

/**
 * A decoded client-to-server frame.
 *
 * @param type the frame type: {@code message}, {@code ping}, {@code ack}, {@code join}, {@code leave} or a type
 * this server does not know
 * @param event the application event of a {@code message} frame, else {@code null}
 * @param payload the codec-specific payload of a {@code message} frame ({@code null} when absent)
 * @param seq the acknowledged sequence number of an {@code ack} frame, else {@code -1}
 * @param ref the request reference of a {@code message} frame that expects a reply, or of a {@code join} or
 * {@code leave} frame, as sent (the engine checks its length), else {@code null}
 * @param cseq the client sequence number of a {@code message} frame, as sent (the engine checks it), else {@code -1}
 * @param room the room of a {@code join} or {@code leave} frame, as sent (the engine checks the name), else
 * {@code null}
 * @param history the number of the room's most recent broadcasts a {@code join} frame asks for ({@code 0} to
 * {@link #MAX_HISTORY}), else {@code 0}
 */
public record InboundFrame(String type, @Nullable String event, @Nullable Object payload, long seq,
		@Nullable String ref, long cseq, @Nullable String room, int history) {

	/** Most broadcasts a {@code join} frame may ask for in its {@code history} field. */
	public static final int MAX_HISTORY = 1000;

	/** Type of application message frames. */
	public static final String MESSAGE = "message";

	/** Type of application-level ping frames. */
	public static final String PING = "ping";

	/** Type of acknowledgement frames. */
	public static final String ACK = "ack";

	/** Type of the frames by which a client asks to join a room. */
	public static final String JOIN = "join";

	/** Type of the frames by which a client asks to leave a room. */
	public static final String LEAVE = "leave";

	/**
	 * A frame without history, as codecs written before room history decode it.
	 * @param type the frame type
	 * @param event the application event of a {@code message} frame, else {@code null}
	 * @param payload the codec-specific payload ({@code null} when absent)
	 * @param seq the acknowledged sequence number of an {@code ack} frame, else {@code -1}
	 * @param ref the request reference, else {@code null}
	 * @param cseq the client sequence number, else {@code -1}
	 * @param room the room of a {@code join} or {@code leave} frame, else {@code null}
	 */
	public InboundFrame(String type, @Nullable String event, @Nullable Object payload, long seq,
			@Nullable String ref, long cseq, @Nullable String room) {
		this(type, event, payload, seq, ref, cseq, room, 0);
	}

	/**
	 * A frame without a room, as codecs written before {@code join} and {@code leave} decode it.
	 * @param type the frame type
	 * @param event the application event of a {@code message} frame, else {@code null}
	 * @param payload the codec-specific payload ({@code null} when absent)
	 * @param seq the acknowledged sequence number of an {@code ack} frame, else {@code -1}
	 * @param ref the request reference, else {@code null}
	 * @param cseq the client sequence number, else {@code -1}
	 */
	public InboundFrame(String type, @Nullable String event, @Nullable Object payload, long seq,
			@Nullable String ref, long cseq) {
		this(type, event, payload, seq, ref, cseq, null, 0);
	}

	/**
	 * A frame without a request reference or client sequence number, as older codecs decode it.
	 * @param type the frame type
	 * @param event the application event of a {@code message} frame, else {@code null}
	 * @param payload the codec-specific payload ({@code null} when absent)
	 * @param seq the acknowledged sequence number of an {@code ack} frame, else {@code -1}
	 */
	public InboundFrame(String type, @Nullable String event, @Nullable Object payload, long seq) {
		this(type, event, payload, seq, null, -1, null, 0);
	}

}
