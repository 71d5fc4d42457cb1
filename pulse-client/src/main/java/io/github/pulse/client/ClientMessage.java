package io.github.pulse.client;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import org.jspecify.annotations.Nullable;

/**
 * An application frame from the server, delivered once: {@code {"type":"message","seq":N,"event":..,"room":..,
 * "payload":..}}.
 */
public final class ClientMessage {

	private final long seq;

	private final String event;

	private final @Nullable String room;

	private final JsonNode payload;

	private final String json;

	private final ObjectMapper mapper;

	private final boolean history;

	ClientMessage(long seq, String event, @Nullable String room, JsonNode payload, String json,
			ObjectMapper mapper, boolean history) {
		this.history = history;
		this.seq = seq;
		this.event = event;
		this.room = room;
		this.payload = payload;
		this.json = json;
		this.mapper = mapper;
	}

	/**
	 * Sequence number of the frame in its session, from 1.
	 * @return the sequence number
	 */
	public long seq() {
		return this.seq;
	}

	/**
	 * Event name.
	 * @return the event
	 */
	public String event() {
		return this.event;
	}

	/**
	 * Room the frame was broadcast to.
	 * @return the room, {@code null} for a frame sent to this connection only
	 */
	public @Nullable String room() {
		return this.room;
	}

	/**
	 * Whether this is a frame of the room's history, which a {@link PulseClient#join(String, JoinOptions) join}
	 * asked for: a broadcast made before the join, delivered right after its answer and before the room's live
	 * frames.
	 * @return {@code true} for a frame of history
	 */
	public boolean history() {
		return this.history;
	}

	/**
	 * Payload as a tree.
	 * @return the payload, a {@code NullNode} or {@code MissingNode} when there is none
	 */
	public JsonNode payload() {
		return this.payload;
	}

	/**
	 * Payload converted with the client's {@link ObjectMapper}.
	 * @param <T> the target type
	 * @param type the target type
	 * @return the converted payload
	 * @throws PulseClientException if the payload cannot be read as {@code type}
	 */
	public <T> @Nullable T payload(Class<T> type) {
		try {
			return this.mapper.treeToValue(this.payload, type);
		}
		catch (Exception ex) {
			throw new PulseClientException("Payload of event '" + this.event + "' (seq " + this.seq
					+ ") cannot be read as " + type.getName() + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * The whole frame as the server sent it.
	 * @return the JSON text
	 */
	public String json() {
		return this.json;
	}

	@Override
	public String toString() {
		return "ClientMessage[seq=" + this.seq + ", event=" + this.event + ((this.room != null) ? ", room="
				+ this.room : "") + "]";
	}

}
