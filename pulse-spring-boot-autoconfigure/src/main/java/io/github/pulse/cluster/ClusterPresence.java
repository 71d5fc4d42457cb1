package io.github.pulse.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.pulse.core.SessionManager;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Presence across the nodes. Each node tells every other, through its pipeline, its own count of a user's
 * connections in a room whenever it changes ({@code P}); each node adds the others' latest counts to its own, so
 * that its view and the events it gives its members are cluster-wide. The counts are absolute, so a repeated or
 * re-sent one does no harm, and a node's messages reach each other node in the order it sent them.
 * <ul>
 * <li>{@code P<n>:<node><r>:<room><u>:<user><count>}: the node's count now, 0 for none.</li>
 * <li>{@code Q<node>}: a node that starts, or got Redis back, asks every other for all its counts.</li>
 * <li>{@code B<node>}: the node's counts follow in full: forget what it said before.</li>
 * </ul>
 * A node that dies takes its users' presence with it once its registration expired (node timeout) and nothing was
 * heard from it for as long.
 */
final class ClusterPresence {

	private static final Log logger = LogFactory.getLog(ClusterPresence.class);

	private final SessionManager manager;

	private final NodeRegistry registry;

	private final String nodeId;

	private final long nodeTimeoutMillis;

	/** When each other node last told of its presence, epoch ms. */
	private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();

	ClusterPresence(SessionManager manager, NodeRegistry registry, String nodeId, long nodeTimeoutMillis) {
		this.manager = manager;
		this.registry = registry;
		this.nodeId = nodeId;
		this.nodeTimeoutMillis = nodeTimeoutMillis;
	}

	/** Whether presence is on at all: otherwise the node sends and asks nothing. */
	private boolean enabled() {
		return !this.manager.presencePatterns().isEmpty();
	}

	/** A count of this node changed (under the room's presence lock): tell the others. */
	void changed(String room, String user, int count) {
		this.registry.publishToOthers(count(this.nodeId, room, user, count));
	}

	/** Asks every other node for its counts, and tells them all of this node's (at start, and when Redis is back). */
	void resync() {
		if (!enabled()) {
			return;
		}
		this.registry.publishToOthers("Q" + this.nodeId);
		this.registry.publishToOthers("B" + this.nodeId);
		this.manager.localPresence((room, user, count) -> this.registry.publishToOthers(count(this.nodeId, room, user,
				count)));
	}

	/** Heartbeat: forgets the presence of nodes that are gone. */
	void purge(long now) {
		for (String node : this.manager.remotePresenceNodes()) {
			Long heard = this.lastHeard.get(node);
			if (!this.registry.isLive(node) && (heard == null || now - heard > this.nodeTimeoutMillis)) {
				logger.debug("pulse cluster: node " + node + " is gone; its users leave the presence of its rooms");
				this.lastHeard.remove(node);
				this.manager.forgetRemotePresence(node);
			}
		}
	}

	/**
	 * A presence command (inbox thread).
	 * @return whether it was one
	 */
	boolean command(String text) {
		switch (text.charAt(0)) {
			case 'P' -> onCount(text);
			case 'Q' -> onRequest(text.substring(1));
			case 'B' -> {
				String node = text.substring(1);
				this.lastHeard.put(node, System.currentTimeMillis());
				this.manager.forgetRemotePresence(node);
			}
			default -> {
				return false;
			}
		}
		return true;
	}

	private void onCount(String text) {
		int[] at = { 1 };
		String node = field(text, at);
		String room = field(text, at);
		String user = field(text, at);
		int count = Integer.parseInt(text, at[0], text.length(), 10);
		this.lastHeard.put(node, System.currentTimeMillis());
		this.manager.remotePresence(node, room, user, count);
	}

	private void onRequest(String node) {
		this.registry.publishTo(node, "B" + this.nodeId);
		this.manager.localPresence((room, user, count) -> this.registry.publishTo(node,
				count(this.nodeId, room, user, count)));
	}

	static String count(String node, String room, String user, int count) {
		return "P" + node.length() + ":" + node + room.length() + ":" + room + user.length() + ":" + user + count;
	}

	/** Reads {@code <length>:<text>} at {@code at[0]}, moving past it. */
	private static String field(String text, int[] at) {
		int colon = text.indexOf(':', at[0]);
		int length = Integer.parseInt(text, at[0], colon, 10);
		at[0] = colon + 1 + length;
		return text.substring(colon + 1, colon + 1 + length);
	}

}
