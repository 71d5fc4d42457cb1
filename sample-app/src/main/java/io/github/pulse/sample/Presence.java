package io.github.pulse.sample;

import java.util.Comparator;
import java.util.List;

import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseException;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseServer;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import io.github.pulse.PulseCloseStatus;

/**
 * Who is present in each room. A connection that said {@code hello} has a name and gets a {@code presence} frame
 * whenever someone in its room arrives, drops, comes back or leaves. Connections that never said hello (plain
 * WebSocket clients) get chat messages only.
 */
@Component
public class Presence implements PulseListener {

	static final String NAME = "sample.name";

	private final PulseServer server;

	/**
	 * Creates the presence tracker.
	 * @param server the pulse server, looked up lazily because the engine is built with its listeners
	 */
	public Presence(PulseServer server) {
		this.server = server;
	}

	/**
	 * Names a connection and tells its rooms.
	 * @param connection the connection
	 * @param name its display name
	 * @return the presence of its first room
	 */
	RoomView introduce(PulseConnection connection, String name) {
		connection.attributes().put(NAME, name);
		connection.rooms().forEach((room) -> publish(room, connection));
		String room = connection.rooms().stream().findFirst().orElse("");
		return view(room);
	}

	/**
	 * Presence of a room.
	 * @param room the room
	 * @return its named members, oldest first
	 */
	public RoomView view(String room) {
		List<Member> members = this.server.connections(room)
			.stream()
			.filter((connection) -> connection.attributes().containsKey(NAME))
			.sorted(Comparator.comparing(PulseConnection::connectedSince))
			.map(Presence::member)
			.toList();
		return new RoomView(room, members);
	}

	@Override
	public void onTransportDrop(PulseConnection connection, DisconnectReason cause) {
		connection.rooms().forEach((room) -> publish(room, connection));
	}

	@Override
	public void onTransportRestore(PulseConnection connection) {
		connection.rooms().forEach((room) -> publish(room, connection));
	}

	@Override
	public void onDisconnect(PulseConnection connection, DisconnectReason reason, @Nullable PulseCloseStatus closeStatus) {
		if (connection.attributes().containsKey(NAME)) {
			connection.rooms().forEach((room) -> publish(room, connection));
		}
	}

	private void publish(String room, PulseConnection changed) {
		if (!changed.attributes().containsKey(NAME)) {
			return;
		}
		RoomView view = view(room);
		for (PulseConnection member : this.server.connections(room)) {
			if (member.attributes().containsKey(NAME) && member.state() != ConnectionState.CLOSED) {
				try {
					member.send("presence", view);
				}
				catch (PulseException ex) {
					// full or just closed: the next update carries the whole picture anyway
				}
			}
		}
	}

	private static Member member(PulseConnection connection) {
		return new Member(connection.id(), String.valueOf(connection.attributes().get(NAME)),
				connection.state().name(), connection.connectedSince().toString());
	}

	/**
	 * Presence of one room.
	 * @param room the room
	 * @param members its named members
	 */
	public record RoomView(String room, List<Member> members) {
	}

	/**
	 * A present member.
	 * @param id the connection id
	 * @param name the display name
	 * @param state OPEN, or SUSPENDED while it reconnects
	 * @param since when it connected, ISO-8601
	 */
	public record Member(String id, String name, String state, String since) {
	}

}
