package io.github.pulse.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
					if (presence.counts.isEmpty()) {
						presence.removed = true;
						this.rooms.remove(room, presence);
					}
				}
			}
		}
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
	 * Presence of one room; guarded by its own monitor (see {@link Presence#change}).
	 */
	static final class RoomPresence {

		private final Map<String, Integer> counts = new LinkedHashMap<>();

		private boolean removed;

		/**
		 * Counts one more connection of a user.
		 * @return whether it is the user's first
		 */
		boolean add(String user) {
			return this.counts.merge(user, 1, Integer::sum) == 1;
		}

		/**
		 * Counts one connection of a user less.
		 * @return whether it was the user's last
		 */
		boolean remove(String user) {
			Integer count = this.counts.get(user);
			if (count == null) {
				throw new IllegalStateException("user not present: " + user);
			}
			if (count == 1) {
				this.counts.remove(user);
				return true;
			}
			this.counts.put(user, count - 1);
			return false;
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
