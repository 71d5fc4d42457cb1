package io.github.pulse;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/**
 * Outcome of a {@link PulseConnectHandler}: accept with an id and rooms, or reject with an HTTP status.
 */
public final class ConnectDecision {

	private final @Nullable HttpStatus rejection;

	private final @Nullable String connectionId;

	private final Set<String> rooms;

	private final Map<String, Object> attributes;

	private ConnectDecision(@Nullable HttpStatus rejection, @Nullable String connectionId, Collection<String> rooms,
			Map<String, Object> attributes) {
		this.rejection = rejection;
		this.connectionId = connectionId;
		this.rooms = Collections.unmodifiableSet(new LinkedHashSet<>(rooms));
		this.attributes = Map.copyOf(attributes);
	}

	/**
	 * Accepts with a server-generated random id. On a resume, the resume token alone decides which session is
	 * resumed.
	 * @param rooms the rooms to join
	 * @return the decision
	 */
	public static ConnectDecision accept(Collection<String> rooms) {
		return new ConnectDecision(null, null, rooms, Map.of());
	}

	/**
	 * Accepts with an application-chosen id, for example the user's id. A live session with the same id is replaced
	 * (closed with 4001); a resume is refused if the suspended session has another id.
	 * @param connectionId the connection id, 1 to 128 characters
	 * @param rooms the rooms to join
	 * @return the decision
	 */
	public static ConnectDecision accept(String connectionId, Collection<String> rooms) {
		return accept(connectionId, rooms, Map.of());
	}

	/**
	 * Accepts with an application-chosen id and initial session attributes.
	 * @param connectionId the connection id, 1 to 128 characters
	 * @param rooms the rooms to join
	 * @param attributes initial attributes of the session
	 * @return the decision
	 */
	public static ConnectDecision accept(String connectionId, Collection<String> rooms,
			Map<String, Object> attributes) {
		if (connectionId.isEmpty() || connectionId.length() > 128) {
			throw new IllegalArgumentException("connectionId must be 1 to 128 characters");
		}
		return new ConnectDecision(null, connectionId, rooms, attributes);
	}

	/**
	 * Rejects with 401 Unauthorized.
	 * @return the decision
	 */
	public static ConnectDecision unauthorized() {
		return new ConnectDecision(HttpStatus.UNAUTHORIZED, null, Set.of(), Map.of());
	}

	/**
	 * Rejects with 403 Forbidden.
	 * @return the decision
	 */
	public static ConnectDecision forbidden() {
		return new ConnectDecision(HttpStatus.FORBIDDEN, null, Set.of(), Map.of());
	}

	/**
	 * Rejects with 400 Bad Request, for example for an invalid room name.
	 * @return the decision
	 */
	public static ConnectDecision badRequest() {
		return new ConnectDecision(HttpStatus.BAD_REQUEST, null, Set.of(), Map.of());
	}

	/**
	 * Status of a rejection.
	 * @return the status, {@code null} if accepted
	 */
	public @Nullable HttpStatus rejection() {
		return this.rejection;
	}

	/**
	 * Application-chosen connection id.
	 * @return the id, {@code null} when the server invents one
	 */
	public @Nullable String connectionId() {
		return this.connectionId;
	}

	/**
	 * Initial rooms.
	 * @return the rooms
	 */
	public Set<String> rooms() {
		return this.rooms;
	}

	/**
	 * Initial attributes.
	 * @return the attributes
	 */
	public Map<String, Object> attributes() {
		return this.attributes;
	}

}
