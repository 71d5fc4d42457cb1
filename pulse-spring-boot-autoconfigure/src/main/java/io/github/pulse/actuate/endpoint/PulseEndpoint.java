package io.github.pulse.actuate.endpoint;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

import io.github.pulse.PulseConnection;
import io.github.pulse.core.ClusterStatus;
import io.github.pulse.core.PulseSettings;
import io.github.pulse.core.SessionManager;
import io.github.pulse.metrics.PulseMessageTotals;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * Actuator endpoint {@code pulse}: live counts, the largest rooms, message totals, effective settings and uptime;
 * the connections and the presence of one room; and kicking a connection. Over HTTP: {@code GET /actuator/pulse},
 * {@code GET /actuator/pulse/{room}} and {@code DELETE /actuator/pulse/{connectionId}}.
 */
@Endpoint(id = "pulse")
public class PulseEndpoint {

	static final int LARGEST_ROOMS = 10;

	private static final Comparator<RoomSize> BY_SIZE = Comparator.comparingInt(RoomSize::connections)
		.thenComparing(RoomSize::room, Comparator.reverseOrder());

	private final SessionManager manager;

	private final @Nullable PulseMessageTotals messageTotals;

	/**
	 * Creates the endpoint.
	 * @param manager the engine
	 * @param messageTotals message totals, or {@code null} without metrics (totals then read zero)
	 */
	public PulseEndpoint(SessionManager manager, @Nullable PulseMessageTotals messageTotals) {
		this.manager = manager;
		this.messageTotals = messageTotals;
	}

	/**
	 * Overview of the engine.
	 * @return the overview
	 */
	@ReadOperation
	public PulseDescriptor pulse() {
		PulseMessageTotals totals = this.messageTotals;
		Messages messages = (totals != null) ? new Messages(totals.messagesReceived(), totals.messagesSent())
				: new Messages(0, 0);
		return new PulseDescriptor(this.manager.connectionCount(), this.manager.suspendedCount(),
				this.manager.roomCount(), largestRooms(), messages, this.manager.isDraining(),
				this.manager.uptime().toSeconds(), settings(this.manager.settings()),
				(this.manager.clusterBridge() != null) ? this.manager.clusterBridge().status() : null);
	}

	/**
	 * Connections of one room; a room without members has none.
	 * @param room the room name
	 * @return the room's connections
	 */
	@ReadOperation
	public RoomDescriptor room(@Selector String room) {
		List<PulseConnection> members = new ArrayList<>(this.manager.connections(room));
		members.sort(Comparator.comparing(PulseConnection::connectedSince).thenComparing(PulseConnection::id));
		List<ConnectionDescriptor> connections = new ArrayList<>(members.size());
		for (PulseConnection member : members) {
			connections.add(new ConnectionDescriptor(member.id(), member.user(), member.state().name(),
					member.connectedSince().toString(), member.queuedFrames()));
		}
		List<PresentUser> presence = null;
		if (this.manager.hasPresence(room)) {
			presence = new ArrayList<>();
			for (Map.Entry<String, Integer> entry : this.manager.presence(room).entrySet()) {
				presence.add(new PresentUser(entry.getKey(), entry.getValue()));
			}
		}
		return new RoomDescriptor(room, connections, presence);
	}

	/**
	 * Kicks a connection: it is closed with 4000 and its session ends.
	 * @param connectionId the connection id
	 * @return whether a live session with that id was kicked
	 */
	@DeleteOperation
	public KickDescriptor kick(@Selector String connectionId) {
		return new KickDescriptor(this.manager.kick(connectionId));
	}

	private List<RoomSize> largestRooms() {
		PriorityQueue<RoomSize> smallestFirst = new PriorityQueue<>(LARGEST_ROOMS + 1, BY_SIZE);
		this.manager.roomSizes().forEach((room, size) -> {
			smallestFirst.add(new RoomSize(room, size));
			if (smallestFirst.size() > LARGEST_ROOMS) {
				smallestFirst.poll();
			}
		});
		List<RoomSize> largest = new ArrayList<>(smallestFirst);
		largest.sort(BY_SIZE.reversed());
		return largest;
	}

	private static Map<String, @Nullable Object> settings(PulseSettings settings) {
		Map<String, @Nullable Object> map = new LinkedHashMap<>();
		map.put("heartbeatInterval", settings.heartbeatInterval().toString());
		map.put("heartbeatTimeout", settings.heartbeatTimeout().toString());
		map.put("writeTimeout", settings.writeTimeout().toString());
		map.put("idleTimeout", (settings.idleTimeout() != null) ? settings.idleTimeout().toString() : null);
		map.put("shutdownTimeout", settings.shutdownTimeout().toString());
		map.put("sendBufferFrames", settings.sendBufferFrames());
		map.put("sendBufferBytes", settings.sendBufferBytes());
		map.put("overflowPolicy", settings.overflowPolicy().name().toLowerCase().replace('_', '-'));
		map.put("resumeWindow", settings.resumeWindow().toString());
		map.put("resumeBufferFrames", settings.resumeBufferFrames());
		map.put("resumeBufferBytes", settings.resumeBufferBytes());
		map.put("maxConnections", settings.maxConnections());
		return map;
	}

	/**
	 * Overview of the engine.
	 * @param connections live connections (open transports)
	 * @param suspended sessions waiting to be resumed
	 * @param rooms rooms with at least one member
	 * @param largestRooms up to ten largest rooms, largest first
	 * @param messages message totals since startup
	 * @param draining whether shutdown began
	 * @param uptimeSeconds seconds since the engine started
	 * @param settings effective settings; durations in ISO-8601, {@code idleTimeout} {@code null} when off,
	 * {@code maxConnections} {@code -1} for no limit
	 * @param cluster with {@code pulse.cluster.enabled}, the node id, whether Redis is reachable, and the live
	 * nodes and connections of the whole cluster; {@code null} on a single node
	 */
	public record PulseDescriptor(int connections, int suspended, int rooms, List<RoomSize> largestRooms,
			Messages messages, boolean draining, long uptimeSeconds, Map<String, @Nullable Object> settings,
			@Nullable ClusterStatus cluster) implements OperationResponseBody {
	}

	/**
	 * Size of one room.
	 * @param room the room name
	 * @param connections its members
	 */
	public record RoomSize(String room, int connections) {
	}

	/**
	 * Message totals since startup.
	 * @param received application messages received
	 * @param sent application message frames written, one per recipient
	 */
	public record Messages(long received, long sent) {
	}

	/**
	 * Connections of one room, and its presence.
	 * @param room the room name
	 * @param connections its members on this node, oldest first
	 * @param presence for a room with presence ({@code pulse.rooms.presence}), the users present and their
	 * connections, on every node of a cluster, in the order they arrived (empty when nobody is); {@code null} for a
	 * room without presence
	 */
	public record RoomDescriptor(String room, List<ConnectionDescriptor> connections,
			@Nullable List<PresentUser> presence) implements OperationResponseBody {
	}

	/**
	 * A user present in a room.
	 * @param user the user
	 * @param connections its connections in the room, on every node of a cluster
	 */
	public record PresentUser(String user, int connections) {
	}

	/**
	 * One connection.
	 * @param id the connection id
	 * @param user the user it belongs to, {@code null} for none
	 * @param state {@code OPEN}, {@code SUSPENDED} or {@code CLOSED}
	 * @param connectedSince when the session started, ISO-8601
	 * @param queuedFrames message frames queued and not yet written
	 */
	public record ConnectionDescriptor(String id, @Nullable String user, String state, String connectedSince,
			int queuedFrames) {
	}

	/**
	 * Outcome of a kick.
	 * @param kicked whether a live session was kicked
	 */
	public record KickDescriptor(boolean kicked) implements OperationResponseBody {
	}

}
