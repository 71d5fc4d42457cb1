package io.github.pulse.core;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.github.pulse.codec.PulseCodec;
import org.jspecify.annotations.Nullable;

/**
 * Writes the server-to-client frames of wire protocol v1 (see docs/protocol.md). The envelope is fixed here;
 * payloads and strings go through the codec.
 */
final class WireFormat {

	static final String PONG = "{\"type\":\"pong\"}";

	static final int MAX_EVENT_LENGTH = 128;

	private final PulseCodec codec;

	private final long heartbeatMillis;

	private final long resumeWindowMillis;

	WireFormat(PulseCodec codec, PulseSettings settings) {
		this.codec = codec;
		this.heartbeatMillis = settings.heartbeatInterval().toMillis();
		this.resumeWindowMillis = settings.resumeWindow().toMillis();
	}

	/**
	 * The part of a message frame after its {@code seq}, encoded once and shared by every recipient.
	 */
	EncodedBody messageBody(String event, @Nullable String room, @Nullable Object payload) {
		if (event.isEmpty() || event.length() > MAX_EVENT_LENGTH) {
			throw new IllegalArgumentException("event must be 1 to " + MAX_EVENT_LENGTH + " characters");
		}
		StringBuilder body = new StringBuilder(64).append(",\"event\":").append(this.codec.quote(event));
		if (room != null) {
			body.append(",\"room\":").append(this.codec.quote(room));
		}
		if (payload != null) {
			body.append(",\"payload\":").append(this.codec.encodePayload(payload));
		}
		return EncodedBody.of(body.append('}').toString());
	}

	/**
	 * The body of a reply to a request: its {@code ref}, then the payload, absent for {@code null}.
	 */
	EncodedBody replyBody(String ref, @Nullable Object payload) {
		StringBuilder body = new StringBuilder(64).append(EncodedBody.REPLY_START).append(this.codec.quote(ref));
		if (payload != null) {
			body.append(",\"payload\":").append(this.codec.encodePayload(payload));
		}
		return EncodedBody.of(body.append('}').toString());
	}

	/**
	 * The body of a reply that reports an error: the code and message the application chose, or {@code internal}.
	 */
	EncodedBody replyErrorBody(String ref, String code, String message) {
		return EncodedBody.of(EncodedBody.REPLY_START + this.codec.quote(ref) + ",\"error\":{\"code\":"
				+ this.codec.quote(code) + ",\"message\":" + this.codec.quote(message) + "}}");
	}

	/**
	 * The body of the answer to a client's {@code join} or {@code leave}: {@code joined}, {@code left} or, with a
	 * reason, {@code joinFailed}. Numbered in the session's {@code seq} like a reply (see {@link EncodedBody}).
	 */
	EncodedBody roomAnswerBody(String type, String room, String ref, @Nullable String reason) {
		StringBuilder body = new StringBuilder(64).append(EncodedBody.TYPED_START)
			.append(type)
			.append("\",\"room\":")
			.append(this.codec.quote(room))
			.append(",\"ref\":")
			.append(this.codec.quote(ref));
		if (reason != null) {
			body.append(",\"reason\":\"").append(reason).append('"');
		}
		return EncodedBody.of(body.append('}').toString());
	}

	/**
	 * The {@code joined} answer to a client's join of a room with presence: the answer with the room's view, which
	 * counts the joining connection.
	 */
	EncodedBody joinedBody(String room, String ref, List<Map.Entry<String, Integer>> view) {
		String answer = roomAnswerBody("joined", room, ref, null).text();
		StringBuilder body = new StringBuilder(answer.length() + 32 * view.size())
			.append(answer, 0, answer.length() - 1)
			.append(",\"presence\":[");
		for (int i = 0; i < view.size(); i++) {
			Map.Entry<String, Integer> entry = view.get(i);
			body.append((i > 0) ? ",{\"user\":" : "{\"user\":")
				.append(this.codec.quote(entry.getKey()))
				.append(",\"connections\":")
				.append(entry.getValue())
				.append('}');
		}
		return EncodedBody.of(body.append("]}").toString());
	}

	/**
	 * A {@code joined} answer that says how many frames of the room's history follow it.
	 */
	EncodedBody withHistoryCount(EncodedBody answer, int count) {
		String text = answer.text();
		return EncodedBody.of(text.substring(0, text.length() - 1) + ",\"history\":" + count + "}");
	}

	/**
	 * A presence frame: {@code change} ({@code joined} or {@code left}) of a user in a room; numbered in the
	 * session's {@code seq} like a broadcast, and replayed on resume.
	 */
	EncodedBody presenceBody(String room, String change, String user) {
		return EncodedBody.of(EncodedBody.TYPED_START + "presence\",\"room\":" + this.codec.quote(room) + ",\""
				+ change + "\":{\"user\":" + this.codec.quote(user) + "}}");
	}

	String welcome(String connectionId, @Nullable String user, Collection<String> rooms, @Nullable String protocol,
			@Nullable String token, @Nullable String resumeFailed) {
		StringBuilder frame = new StringBuilder(192).append("{\"type\":\"welcome\",\"connectionId\":")
			.append(this.codec.quote(connectionId));
		if (user != null) {
			frame.append(",\"user\":").append(this.codec.quote(user));
		}
		frame.append(",\"rooms\":[");
		boolean first = true;
		for (String room : rooms) {
			frame.append(first ? "" : ",").append(this.codec.quote(room));
			first = false;
		}
		// cseq: this server takes client sequence numbers, and has processed none of this new session's
		frame.append("],\"heartbeatMs\":").append(this.heartbeatMillis).append(",\"cseq\":0");
		if (protocol != null) {
			frame.append(",\"protocol\":").append(this.codec.quote(protocol));
		}
		if (token != null) {
			frame.append(",\"resumeToken\":\"")
				.append(token)
				.append("\",\"resumeWindowMs\":")
				.append(this.resumeWindowMillis);
		}
		if (resumeFailed != null) {
			frame.append(",\"resumeFailed\":\"").append(resumeFailed).append('"');
		}
		return frame.append('}').toString();
	}

	/**
	 * The {@code resumed} frame; {@code cseq} is the last client sequence number processed, left out when unknown
	 * (negative: the session came from another node).
	 */
	String resumed(String connectionId, String token, int replayed, long missed, long cseq) {
		return "{\"type\":\"resumed\",\"connectionId\":" + this.codec.quote(connectionId) + ",\"resumeToken\":\""
				+ token + "\",\"replayed\":" + replayed + ",\"missed\":" + missed
				+ ((cseq >= 0) ? ",\"cseq\":" + cseq : "") + "}";
	}

}
