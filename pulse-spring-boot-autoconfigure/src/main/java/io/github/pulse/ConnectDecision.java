package io.github.pulse;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/**
 * Outcome of a {@link PulseConnectHandler}: accept with an id and rooms, or reject with an HTTP status. An accepted
 * connection belongs to a user: the handshake principal's name unless {@link #withUser} or {@link #withoutUser}
 * says otherwise.
 */
public final class ConnectDecision {

	private final @Nullable HttpStatus rejection;

	private final @Nullable String connectionId;

	private final Set<String> rooms;

	private final Map<String, Object> attributes;

	private final boolean namesUser;

	private final @Nullable String user;

	private ConnectDecision(@Nullable HttpStatus rejection, @Nullable String connectionId, Collection<String> rooms,
			Map<String, Object> attributes) {
		this(rejection, connectionId, Collections.unmodifiableSet(new LinkedHashSet<>(rooms)), Map.copyOf(attributes),
				false, null);
	}

	private ConnectDecision(@Nullable HttpStatus rejection, @Nullable String connectionId, Set<String> rooms,
			Map<String, Object> attributes, boolean namesUser, @Nullable String user) {
		this.rejection = rejection;
		this.connectionId = connectionId;
		this.rooms = rooms;
		this.attributes = attributes;
		this.namesUser = namesUser;
		this.user = user;
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
	 * This acceptance with the connection belonging to a user, instead of the handshake principal's name. Any number
	 * of connections may share a user; {@link PulseServer#sendToUser} reaches them all. A resume keeps the user the
	 * session started with.
	 * @param user the user, 1 to 128 characters
	 * @return the decision
	 * @throws IllegalArgumentException if the user is empty or too long
	 * @throws IllegalStateException if this is a rejection
	 */
	public ConnectDecision withUser(String user) {
		if (user.isEmpty() || user.length() > 128) {
			throw new IllegalArgumentException("user must be 1 to 128 characters");
		}
		return named(user);
	}

	/**
	 * This acceptance with the connection belonging to no user, even when the handshake has a principal.
	 * @return the decision
	 * @throws IllegalStateException if this is a rejection
	 */
	public ConnectDecision withoutUser() {
		return named(null);
	}

	private ConnectDecision named(@Nullable String user) {
		if (this.rejection != null) {
			throw new IllegalStateException("A rejection has no user");
		}
		return new ConnectDecision(null, this.connectionId, this.rooms, this.attributes, true, user);
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
	 * Whether the decision names the user, or leaves it to the handshake principal's name.
	 * @return {@code true} after {@link #withUser} or {@link #withoutUser}
	 */
	public boolean namesUser() {
		return this.namesUser;
	}

	/**
	 * The user the decision names.
	 * @return the user, {@code null} when it names none or leaves it to the principal (see {@link #namesUser()})
	 */
	public @Nullable String user() {
		return this.user;
	}

	/**
	 * The user a connection accepted by this decision belongs to.
	 * @param principal the handshake principal
	 * @return the named user, else the principal's name, else {@code null}
	 */
	public @Nullable String userOf(java.security.@Nullable Principal principal) {
		if (this.namesUser) {
			return this.user;
		}
		return (principal != null) ? principal.getName() : null;
	}

	/**
	 * Initial attributes.
	 * @return the attributes
	 */
	public Map<String, Object> attributes() {
		return this.attributes;
	}

}
