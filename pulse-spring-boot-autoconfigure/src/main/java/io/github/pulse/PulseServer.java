package io.github.pulse;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Entry point of the pulse API: send to connections, broadcast to rooms and look up live sessions. All methods
 * are thread-safe and never block on a connection's socket.
 */
public interface PulseServer {

	/**
	 * Sends an application frame to one connection. Never waits for the network: with a cluster, a connection that
	 * is not on this node is looked up in Redis when the node's pipeline gets there, not on the calling thread.
	 * @param connectionId the connection id
	 * @param event the event name, 1 to 128 characters
	 * @param payload the payload; may be {@code null}
	 * @return {@code true} if the frame was queued for a session of this node, or, with a cluster, if the cluster
	 * accepted it for a connection not on this node (it reaches the connection if a node holds it when the frame
	 * gets to Redis, and is dropped otherwise; dropped and counted in {@code pulse.frames.dropped} if its send
	 * buffer is full then); {@code false} if no such session exists here and no cluster accepted it (none
	 * configured, Redis away, or its queue full)
	 * @throws SendBufferFullException if the connection is on this node and its send buffer is full
	 */
	boolean send(String connectionId, String event, @Nullable Object payload);

	/**
	 * Sends an application frame to every live (open or suspended) connection of a user on this node. The payload
	 * is encoded once; each connection gets it as {@link #send} would, except that a connection whose send buffer
	 * is full is skipped (the frame counted as dropped) instead of failing the call.
	 * @param user the user, as {@link PulseConnection#user()}
	 * @param event the event name, 1 to 128 characters
	 * @param payload the payload; may be {@code null}
	 * @return the number of connections of this node the frame was queued for
	 */
	int sendToUser(String user, String event, @Nullable Object payload);

	/**
	 * Live (open or suspended) connections of a user on this node.
	 * @param user the user
	 * @return a snapshot, empty if the user has none
	 */
	Collection<PulseConnection> connectionsOf(String user);

	/**
	 * Presence of a room whose name matches {@code pulse.rooms.presence}: the users with a connection in it and
	 * how many connections each has there. Connections without a user are not in it.
	 * @param room the room
	 * @return user to connection count, a snapshot in the order the users arrived; empty for a room without
	 * presence or without users
	 */
	Map<String, Integer> presence(String room);

	/**
	 * Broadcasts an application frame to every member of a room. The payload is encoded once; each member gets a
	 * frame with its own sequence number. Full send buffers are handled by {@code pulse.buffer.overflow}.
	 * @param room the room name
	 * @param event the event name, 1 to 128 characters
	 * @param payload the payload; may be {@code null}
	 * @return the number of members the frame was queued for
	 */
	int broadcast(String room, String event, @Nullable Object payload);

	/**
	 * Ends a session at once, whether its transport is open or suspended, closing the transport with 4000
	 * "kicked".
	 * With a cluster, a connection that is not on this node is kicked by whichever node holds it when the kick gets
	 * to Redis; the call never waits for the network.
	 * @param connectionId the connection id
	 * @return {@code true} if a session of this node was ended, or the cluster accepted the kick for a connection
	 * not on this node
	 */
	boolean kick(String connectionId);

	/**
	 * Looks up a live (open or suspended) session.
	 * @param connectionId the connection id
	 * @return the connection or {@code null}
	 */
	@Nullable PulseConnection connection(String connectionId);

	/**
	 * Members of a room.
	 * @param room the room name
	 * @return a snapshot, empty if the room does not exist
	 */
	Collection<PulseConnection> connections(String room);

	/**
	 * Names of the rooms that have at least one member.
	 * @return a snapshot
	 */
	Set<String> rooms();

	/**
	 * Number of live transports: connections that are open right now.
	 * @return the live connection count
	 */
	int connectionCount();

	/**
	 * Number of sessions waiting to be resumed.
	 * @return the suspended session count
	 */
	int suspendedCount();

}
