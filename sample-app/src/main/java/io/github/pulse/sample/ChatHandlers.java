package io.github.pulse.sample;

import tools.jackson.databind.JsonNode;
import io.github.pulse.InvalidPayloadException;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseServer;
import io.github.pulse.annotation.PulseEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * The chat's message handlers.
 */
@Component
public class ChatHandlers {

	static final int MAX_NAME_LENGTH = 40;

	private final PulseServer server;

	private final Presence presence;

	/**
	 * Creates the handlers.
	 * @param server the pulse server, looked up lazily because the engine is built with its listeners
	 * @param presence who is in which room
	 */
	public ChatHandlers(PulseServer server, Presence presence) {
		this.server = server;
		this.presence = presence;
	}

	/**
	 * Broadcasts a chat message to the sender's rooms, with the same event and payload.
	 * @param connection the sender
	 * @param payload the payload, passed on as it arrived
	 */
	@PulseEvent("chat")
	public void chat(PulseConnection connection, @Nullable JsonNode payload) {
		for (String room : connection.rooms()) {
			this.server.broadcast(room, "chat", payload);
		}
	}

	/**
	 * Introduces the sender by name and subscribes it to presence updates of its rooms. The answer, sent back as
	 * {@code hello}, lists who is present; everyone else subscribed gets a {@code presence} update.
	 * @param connection the sender
	 * @param hello the introduction
	 * @return who is present in the sender's rooms
	 */
	@PulseEvent("hello")
	public Presence.RoomView hello(PulseConnection connection, Hello hello) {
		String name = (hello.name() != null) ? hello.name().strip() : "";
		if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
			throw new InvalidPayloadException("hello needs a name of 1 to " + MAX_NAME_LENGTH + " characters");
		}
		return this.presence.introduce(connection, name);
	}

	/**
	 * Payload of {@code hello}.
	 * @param name the display name
	 */
	public record Hello(@Nullable String name) {
	}

}
