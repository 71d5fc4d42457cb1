package io.github.pulse.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.springframework.util.PatternMatchUtils;

/**
 * Presence of the rooms whose name matches one of the configured patterns: per room, how many connections of each
 * user are in it. A room's counts change only under its lock, together with the membership change that causes
 * them and the queuing of the presence frame that tells it, so that the members see one {@code joined} per first
 * connection and one {@code left} per last, alternating, in the order the counts changed.
 */
final class Presence {

	private final List<String> patterns;

	private final Map<String, RoomPresence> rooms = new ConcurrentHashMap<>();

	Presence(List<String> patterns) {
		this.patterns = List.copyOf(patterns);
	}

	/**
	 * Whether a room has presence.
	 */
	boolean isOn(String room) {
		return !this.patterns.isEmpty() && PatternMatchUtils.simpleMatch(this.patterns.toArray(new String[0]), room);
	}

	boolean isConfigured() {
		return !this.patterns.isEmpty();
	}

	List<String> patterns() {
		return this.patterns;
	}

	/**
	 * Runs a change of a room's presence under the room's lock. The room's state exists while a user is present:
	 * one that the change left empty is removed before the lock is released, and a change that finds the state it
	 * looked up removed looks again.
	 */
	<T> T change(String room, Function<RoomPresence, T> change) {
		while (true) {
			RoomPresence presence = this.rooms.computeIfAbsent(room, (name) -> new RoomPresence());
			synchronized (presence) {
				if (presence.removed) {
					continue;
				}
				try {
					return change.apply(presence);
				}
				finally {
					if (presence.counts.isEmpty() && presence.remote.isEmpty()) {
						presence.removed = true;
						this.rooms.remove(room, presence);
					}
				}
			}
		}
	}

	/**
	 * Rooms with presence state, a snapshot.
	 */
	Set<String> rooms() {
		return Set.copyOf(this.rooms.keySet());
	}

	/**
	 * Rooms with presence state: a user is present in them, through a connection of this node or (on a cluster) of
	 * another.
	 */
	int roomCount() {
		return this.rooms.size();
	}

	/**
	 * Users present through a connection of this node in at least one room.
	 */
	int localUserCount() {
		Set<String> users = new HashSet<>();
		for (RoomPresence presence : this.rooms.values()) {
			synchronized (presence) {
				users.addAll(presence.local.keySet());
			}
		}
		return users.size();
	}

	/**
	 * The users present in a room and their connection counts.
	 * @return a snapshot in the order the users arrived, empty for a room nobody is in
	 */
	Map<String, Integer> view(String room) {
		RoomPresence presence = this.rooms.get(room);
		if (presence == null) {
			return Map.of();
		}
		synchronized (presence) {
			return Collections.unmodifiableMap(new LinkedHashMap<>(presence.counts));
		}
	}

	/**
	 * Presence of one room; guarded by its own monitor (see {@link Presence#change}). On a cluster it also holds what
	 * the other nodes told of theirs: each node's latest count per user.
	 */
	static final class RoomPresence {

		/** Connections per user, on every node known, in the order the users arrived. */
		private final Map<String, Integer> counts = new LinkedHashMap<>();

		/** Connections per user on this node. */
		private final Map<String, Integer> local = new HashMap<>();

		/** Per other node, its connections per user. */
		private final Map<String, Map<String, Integer>> remote = new HashMap<>();

		private boolean removed;

		/**
		 * Counts one more connection of a user on this node.
		 * @return whether the user arrived: it had no connection in the room before, on any node
		 */
		boolean add(String user) {
			this.local.merge(user, 1, Integer::sum);
			return this.counts.merge(user, 1, Integer::sum) == 1;
		}

		/**
		 * Counts one connection of a user on this node less.
		 * @return whether the user left: it has no connection in the room now, on any node
		 */
		boolean remove(String user) {
			Integer count = this.local.get(user);
			if (count == null) {
				throw new IllegalStateException("user not present: " + user);
			}
			if (count == 1) {
				this.local.remove(user);
			}
			else {
				this.local.put(user, count - 1);
			}
			return change(user, -1) == -1;
		}

		/** Connections of a user in the room on this node. */
		int local(String user) {
			return this.local.getOrDefault(user, 0);
		}

		/** Users with connections in the room on this node and their counts, a copy. */
		Map<String, Integer> local() {
			return new HashMap<>(this.local);
		}

		/**
		 * What another node says it has now of a user in the room.
		 * @return 1 if the user arrived, -1 if it left, 0 if it was and is present, or was and is not
		 */
		int setRemote(String node, String user, int count) {
			Map<String, Integer> users = this.remote.computeIfAbsent(node, (key) -> new HashMap<>());
			Integer old = (count > 0) ? users.put(user, count) : users.remove(user);
			if (users.isEmpty()) {
				this.remote.remove(node);
			}
			return change(user, count - ((old != null) ? old : 0));
		}

		/** Users another node said it has in the room. */
		List<String> remoteUsers(String node) {
			Map<String, Integer> users = this.remote.get(node);
			return (users != null) ? new ArrayList<>(users.keySet()) : List.of();
		}

		Set<String> remoteNodes() {
			return this.remote.keySet();
		}

		private int change(String user, int delta) {
			int before = this.counts.getOrDefault(user, 0);
			int after = before + delta;
			if (after <= 0) {
				this.counts.remove(user);
			}
			else {
				this.counts.put(user, after);
			}
			return (before == 0 && after > 0) ? 1 : (before > 0 && after <= 0) ? -1 : 0;
		}

		/**
		 * The present users and their counts, with one more connection of {@code joining} when it is not
		 * {@code null}.
		 */
		List<Map.Entry<String, Integer>> entries(@Nullable String joining) {
			List<Map.Entry<String, Integer>> entries = new ArrayList<>(this.counts.size() + 1);
			boolean counted = joining == null;
			for (Map.Entry<String, Integer> entry : this.counts.entrySet()) {
				if (!counted && entry.getKey().equals(joining)) {
					entries.add(Map.entry(entry.getKey(), entry.getValue() + 1));
					counted = true;
				}
				else {
					entries.add(Map.entry(entry.getKey(), entry.getValue()));
				}
			}
			if (!counted) {
				entries.add(Map.entry(joining, 1));
			}
			return entries;
		}

	}

}
