package io.github.pulse.core;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * Room registry. A room exists while it has members: it is created by the first join and removed by the last
 * leave, atomically per room, so no empty room is ever left behind. The engine keeps a second one as its index of
 * users: a user's connections are the members of the "room" named after it.
 */
final class Rooms {

	private final Map<String, Set<PulseSession>> rooms = new ConcurrentHashMap<>();

	void add(String room, PulseSession session) {
		this.rooms.compute(room, (name, members) -> {
			Set<PulseSession> result = (members != null) ? members : ConcurrentHashMap.newKeySet();
			result.add(session);
			return result;
		});
	}

	void remove(String room, PulseSession session) {
		this.rooms.computeIfPresent(room, (name, members) -> {
			members.remove(session);
			return members.isEmpty() ? null : members;
		});
	}

	@Nullable Set<PulseSession> members(String room) {
		return this.rooms.get(room);
	}

	Set<String> names() {
		return Set.copyOf(this.rooms.keySet());
	}

	int count() {
		return this.rooms.size();
	}

	Map<String, Set<PulseSession>> view() {
		return this.rooms;
	}

}
