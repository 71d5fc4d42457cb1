package io.github.pulse;

import java.security.Principal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * A logical pulse session: one client, identified by its connection id, that may outlive several WebSocket
 * transports when it resumes. All methods are thread-safe.
 */
public interface PulseConnection {

	/**
	 * Connection id, unique among live sessions.
	 * @return the id chosen by the {@link PulseConnectHandler}
	 */
	String id();

	/**
	 * User this connection belongs to: what the {@link PulseConnectHandler} named, by default the handshake
	 * principal's name. Several connections may belong to one user.
	 * @return the user, or {@code null} for none
	 */
	default @Nullable String user() {
		return null;
	}

	/**
	 * Rooms this connection is a member of.
	 * @return an immutable snapshot
	 */
	Set<String> rooms();

	/**
	 * Authenticated principal of the handshake, if any.
	 * @return the principal or {@code null}
	 */
	@Nullable Principal principal();

	/**
	 * Mutable, thread-safe attributes that live as long as the session, initialised from the connect decision.
	 * @return the attributes
	 */
	Map<String, Object> attributes();

	/**
	 * Subprotocol negotiated by the handshake of the current transport (of the last one while suspended), one of
	 * {@code pulse.subprotocols}.
	 * @return the subprotocol, or {@code null} if the client listed none
	 */
	@Nullable String protocol();

	/**
	 * Current state.
	 * @return the state
	 */
	ConnectionState state();

	/**
	 * When the session was created.
	 * @return the creation instant
	 */
	Instant connectedSince();

	/**
	 * Number of frames queued and not yet written to the transport.
	 * @return the queued frame count
	 */
	int queuedFrames();

	/**
	 * Sends an application frame to this connection. The frame is queued and written in order; the call never
	 * blocks on the socket.
	 * @param event the event name, 1 to 128 characters
	 * @param payload the payload, encoded by the codec; may be {@code null}
	 * @throws SendBufferFullException if the send buffer is full
	 * @throws ConnectionClosedException if the session has ended
	 */
	void send(String event, @Nullable Object payload);

	/**
	 * Joins a room, creating it if needed. Takes effect on this node at once: a broadcast made after the call
	 * reaches the connection. With a cluster, the change is recorded in Redis through the node's pipeline, in order
	 * with the connection's other changes; the call does not wait for it (the connection's frames do, up to
	 * {@code pulse.cluster.local-delivery-timeout}).
	 * @param room the room name, matching {@code [A-Za-z0-9._:-]{1,128}}
	 * @return {@code true} if the connection was not yet a member
	 * @throws ConnectionClosedException if the session has ended
	 */
	boolean join(String room);

	/**
	 * Leaves a room; the room is removed when its last member leaves. Takes effect on this node at once; with a
	 * cluster, recorded in Redis as {@link #join} is.
	 * @param room the room name
	 * @return {@code true} if the connection was a member
	 */
	boolean leave(String room);

	/**
	 * Closes the connection with 1000 "normal closure" after the queued frames.
	 */
	default void close() {
		close(1000, "");
	}

	/**
	 * Closes the connection after the frames already queued have been written, and ends the session.
	 * @param code 1000, or an application code from 3000 to 4999
	 * @param reason the reason sent in the close frame; truncated to 123 UTF-8 bytes
	 * @throws IllegalArgumentException if the code is not allowed
	 */
	void close(int code, String reason);

}
