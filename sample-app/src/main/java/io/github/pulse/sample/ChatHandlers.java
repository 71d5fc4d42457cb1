package io.github.pulse.sample;

import tools.jackson.databind.JsonNode;
import io.github.pulse.InvalidPayloadException;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseReplyException;
import io.github.pulse.PulseServer;
import io.github.pulse.annotation.PulseEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The chat's message handlers. Presence and history are the library's ({@code pulse.rooms.presence} and
 * {@code pulse.rooms.history} in application.yml); these only pass messages on.
 */
@Component
public class ChatHandlers {

	static final int MAX_TEXT_LENGTH = 2000;

	static final String INVALID_DM = "dm needs 'to' (a user) and 'text' (1 to " + MAX_TEXT_LENGTH + " characters)";

	private final PulseServer server;

	private final boolean clustered;

	/**
	 * Creates the handlers.
	 * @param server the pulse server
	 * @param clustered whether the sample runs as a cluster node, where {@code sendToUser} reaches every node but
	 * counts this node's connections only
	 */
	public ChatHandlers(PulseServer server, @Value("${pulse.cluster.enabled:false}") boolean clustered) {
		this.server = server;
		this.clustered = clustered;
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
	 * Sends a direct message to every connection of a user, as {@code dm} with the sender's user in {@code from}. An
	 * unusable payload closes the sender's connection with 1007, as any invalid payload does; a sender without a
	 * user, or a recipient without a connection, fails a request ({@code no-user}, {@code offline}) and leaves the
	 * connection open. On a cluster a recipient on another node cannot be counted here, so there is no
	 * {@code offline} there.
	 * @param connection the sender
	 * @param dm the message
	 */
	@PulseEvent("dm")
	public void dm(PulseConnection connection, @Nullable Dm dm) {
		if (dm == null || dm.to() == null || !SampleConnectHandler.isValidName(dm.to()) || dm.text() == null
				|| dm.text().isBlank() || dm.text().length() > MAX_TEXT_LENGTH) {
			throw new InvalidPayloadException(INVALID_DM);
		}
		String from = connection.user();
		if (from == null) {
			throw new PulseReplyException("no-user", "connect with a name to send direct messages");
		}
		if (this.server.sendToUser(dm.to(), "dm", new Delivered(from, dm.text())) == 0 && !this.clustered) {
			throw new PulseReplyException("offline", dm.to() + " is not connected");
		}
	}

	/**
	 * Payload of {@code dm} as the sender sends it.
	 * @param to the recipient's user
	 * @param text the message
	 */
	public record Dm(@Nullable String to, @Nullable String text) {
	}

	/**
	 * Payload of {@code dm} as the recipient gets it.
	 * @param from the sender's user
	 * @param text the message
	 */
	public record Delivered(String from, String text) {
	}

}
