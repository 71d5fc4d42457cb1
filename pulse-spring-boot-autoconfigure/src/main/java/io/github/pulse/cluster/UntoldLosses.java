package io.github.pulse.cluster;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Broadcasts lost beyond the streams that sessions of this node have not been told of yet, per session and room: a
 * loss found on a broadcast this node does not deliver (its own, delivered directly before; a second copy) is owed
 * to the sessions that were members of the room then, and told in {@code missed} on the room's next broadcast to
 * them, here or on the node a session is handed over to; never to a session that joined the room or arrived on
 * this node afterwards, which did not lose them. Changed on the inbox thread; the heartbeat forgets ended sessions.
 */
final class UntoldLosses {

	/** Per session, per room, the broadcasts lost and not told yet. */
	private final Map<String, Map<String, Long>> owed = new ConcurrentHashMap<>();

	/**
	 * Owes {@code lost} broadcasts of {@code room} to each of {@code sessions}.
	 * @param sessions ids of the sessions that lost them
	 * @param room the room
	 * @param lost how many
	 */
	void owe(Collection<String> sessions, String room, long lost) {
		if (lost > 0) {
			sessions.forEach((id) -> this.owed.computeIfAbsent(id, (key) -> new ConcurrentHashMap<>())
				.merge(room, lost, Long::sum));
		}
	}

	/**
	 * Owes one session what it lost on another node.
	 * @param session the session's id
	 * @param perRoom per room, how many
	 */
	void owe(String session, Map<String, Long> perRoom) {
		perRoom.forEach((room, lost) -> owe(Set.of(session), room, lost));
	}

	boolean isEmpty() {
		return this.owed.isEmpty();
	}

	/**
	 * What {@code session} is owed, for its snapshot; call holding the delivery lock.
	 * @param session the session's id
	 * @return per room, the count; empty if none
	 */
	Map<String, Long> peek(String session) {
		Map<String, Long> lost = this.owed.get(session);
		return (lost != null) ? Map.copyOf(lost) : Map.of();
	}

	/**
	 * Takes what {@code session} is owed, for a hand-over.
	 * @param session the session's id
	 * @return per room, the count; empty if none
	 */
	Map<String, Long> take(String session) {
		Map<String, Long> lost = this.owed.remove(session);
		return (lost != null) ? Map.copyOf(lost) : Map.of();
	}

	/**
	 * Takes what the sessions among {@code members} are owed for {@code room}, for the room's broadcast about to be
	 * delivered to them.
	 * @param room the room
	 * @param members ids of the members the broadcast is delivered to
	 * @return per owing member, the count; usually empty
	 */
	Map<String, Long> takeAll(String room, Set<String> members) {
		if (this.owed.isEmpty()) {
			return Map.of();
		}
		Map<String, Long> taken = new HashMap<>();
		this.owed.forEach((id, rooms) -> {
			Long lost = members.contains(id) ? rooms.remove(room) : null;
			if (lost != null) {
				taken.put(id, lost);
			}
			if (rooms.isEmpty()) {
				this.owed.remove(id, rooms);
			}
		});
		return taken;
	}

	/**
	 * Forgets the sessions that ended here (heartbeat).
	 * @param live whether a session is live here, by id
	 */
	void retain(Predicate<String> live) {
		this.owed.keySet().removeIf(live.negate());
	}

	/**
	 * A broadcast body with {@code lost} added to the {@code missed} it carries, if any.
	 * @param body the encoded body, as it follows {@code "seq":N}
	 * @param lost how many more to report
	 * @return the body
	 */
	static String withMissed(String body, long lost) {
		if (lost <= 0) {
			return body;
		}
		String prefix = ",\"missed\":";
		if (body.startsWith(prefix)) {
			int end = prefix.length();
			while (end < body.length() && Character.isDigit(body.charAt(end))) {
				end++;
			}
			long carried = Long.parseLong(body, prefix.length(), end, 10);
			return prefix + (carried + lost) + body.substring(end);
		}
		return prefix + lost + body;
	}

}
