package io.github.pulse.cluster;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Broadcasts lost beyond the streams that sessions of this node have not been told of yet, per session: a loss
 * found on a broadcast this node does not deliver (its own, delivered directly before; a second copy) is owed to
 * the sessions that were members of the room then, and told in {@code missed} on their next broadcast here, or
 * handed over with them to another node. Never to a session that joined or arrived afterwards, which did not lose
 * them. Changed on the inbox thread; read by the heartbeat.
 */
final class UntoldLosses {

	private final Map<String, Long> owed = new ConcurrentHashMap<>();

	/**
	 * Owes {@code lost} to each of {@code sessions}.
	 * @param sessions ids of the sessions that lost them
	 * @param lost how many
	 */
	void owe(Collection<String> sessions, long lost) {
		if (lost > 0) {
			sessions.forEach((id) -> this.owed.merge(id, lost, Long::sum));
		}
	}

	boolean isEmpty() {
		return this.owed.isEmpty();
	}

	/**
	 * Takes what {@code session} is owed, for a hand-over or a frame.
	 * @param session the session's id
	 * @return the count, 0 if none
	 */
	long take(String session) {
		Long lost = this.owed.remove(session);
		return (lost != null) ? lost : 0;
	}

	/**
	 * Takes what the sessions among {@code members} are owed, for the frame about to be delivered to them.
	 * @param members ids of the members a broadcast is delivered to
	 * @return per owing member, the count; usually empty
	 */
	Map<String, Long> takeAll(Set<String> members) {
		if (this.owed.isEmpty()) {
			return Map.of();
		}
		Map<String, Long> taken = new HashMap<>();
		for (String id : this.owed.keySet()) {
			if (members.contains(id)) {
				taken.put(id, take(id));
			}
		}
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
