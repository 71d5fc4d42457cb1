package io.github.pulse.core;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What a node hands to another when a client resumes there: the session's identity, rooms, transferable
 * attributes, sequence counter and the message frames it still holds (unacknowledged or not yet written).
 *
 * @param connectionId the connection id
 * @param principalName name of the handshake principal, {@code null} for an anonymous session
 * @param attributes the attributes whose values are strings, booleans, integers, longs or doubles; others stay
 * behind
 * @param rooms the rooms the session is in
 * @param lastSeq the last sequence number the session assigned
 * @param frames the retained message frames, in sequence order
 * @param directSends direct sends to the session counted in the cluster's per-connection send counter that the
 * session has seen (delivered or refused); see {@code docs/scaling.md}
 * @param clientSeq the last client sequence number ({@code cseq}) whose message the session handed to the listeners,
 * {@code 0} if none, {@link #UNKNOWN_CLIENT_SEQ} if not known (a session rebuilt from a snapshot)
 */
public record HandoverState(String connectionId, @Nullable String principalName, Map<String, Object> attributes,
		List<String> rooms, long lastSeq, List<Frame> frames, long directSends, long clientSeq) {

	/** {@link #clientSeq()} when the last processed client sequence number is not known. */
	public static final long UNKNOWN_CLIENT_SEQ = ClientSequence.UNKNOWN;

	/**
	 * A retained message frame.
	 *
	 * @param seq its sequence number
	 * @param body its encoded body, as {@link EncodedBody#text()}
	 */
	public record Frame(long seq, String body) {
	}

}
