package io.github.pulse.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

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
 * <li>{@code Q<node>}: a node asks another for all its counts.</li>
 * <li>{@code B<node>} ... {@code E<node>}: all the node's counts, in full, between the two: the receiver replaces
 * what it held of the node with them at {@code E} and tells its members the net changes only, so that a user
 * present throughout a resync is neither left nor joined.</li>
 * </ul>
 * A node that starts, or gets Redis back, sends all its counts to the others and asks each live node for its counts
 * until it has them (pub/sub loses what is published while a subscription is being re-established). A node that
 * dies takes its users' presence with it once its registration expired (node timeout) and nothing was heard from it
 * for as long; after an outage of this node's own, that time counts from its return, not from the last message it
 * could hear.
 */
final class ClusterPresence {

	private static final Log logger = LogFactory.getLog(ClusterPresence.class);

	private final SessionManager manager;

	private final NodeRegistry registry;

	private final String nodeId;

	private final long nodeTimeoutMillis;

	/** When each other node last told of its presence, epoch ms. */
	private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();

	/** The resync of each node under way: between its B and its E. */
	private final Map<String, Resync> resyncs = new ConcurrentHashMap<>();

	/** Nodes whose full counts this node got since it last (re)gained Redis. */
	private final Set<String> synced = ConcurrentHashMap.newKeySet();

	/** When this node last asked each node for its counts, epoch ms. */
	private final Map<String, Long> asked = new ConcurrentHashMap<>();

	/** Redis outages of this node so far: a resync begun before the last one does not count as one after it. */
	private volatile int outages;

	/** Serializes this node's resyncs, so that no two of its B ... E interleave. */
	private final Object sending = new Object();

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

	/** At start: tells every other node all of this node's counts and asks them for theirs. */
	void start() {
		if (!enabled()) {
			return;
		}
		this.registry.publishToOthers("Q" + this.nodeId);
		send(this.registry::publishToOthers);
	}

	/**
	 * Heartbeat (it reached Redis): after an outage of this node's own, what it held of the others is to be
	 * confirmed, and their silence counts from now; then forgets the presence of nodes that are gone, and asks the
	 * live ones it has no counts of yet.
	 * @param now the time, epoch ms
	 * @param back whether Redis was unavailable before this heartbeat
	 */
	void heartbeat(long now, boolean back) {
		if (back) {
			this.outages++;
			this.synced.clear();
			this.asked.clear();
			this.lastHeard.replaceAll((node, heard) -> now);
			for (String node : this.manager.remotePresenceNodes()) {
				this.lastHeard.put(node, now);
			}
		}
		purge(now);
		// a resync whose E was lost (a subscription being re-established) is asked for again
		this.resyncs.forEach((node, resync) -> {
			if (now - resync.started > this.nodeTimeoutMillis && this.resyncs.remove(node, resync)) {
				this.synced.remove(node);
			}
		});
		if (!enabled()) {
			return;
		}
		if (back) {
			send(this.registry::publishToOthers);
		}
		for (String node : this.registry.liveNodes()) {
			Long last = this.asked.get(node);
			if (!node.equals(this.nodeId) && !this.synced.contains(node)
					&& (last == null || now - last >= this.nodeTimeoutMillis / 2)) {
				this.asked.put(node, now);
				this.registry.publishTo(node, "Q" + this.nodeId);
			}
		}
	}

	/** Forgets the presence of nodes that are gone, and everything else this node keeps of them. */
	private void purge(long now) {
		for (String node : knownNodes()) {
			Long heard = this.lastHeard.get(node);
			if (!this.registry.isLive(node) && (heard == null || now - heard > this.nodeTimeoutMillis)) {
				logger.debug("pulse cluster: node " + node + " is gone; its users leave the presence of its rooms");
				this.lastHeard.remove(node);
				this.resyncs.remove(node);
				this.synced.remove(node);
				this.asked.remove(node);
				this.manager.forgetRemotePresence(node);
			}
		}
	}

	/** The other nodes this node keeps presence state of. */
	Set<String> knownNodes() {
		Set<String> known = new HashSet<>(this.manager.remotePresenceNodes());
		known.addAll(this.lastHeard.keySet());
		known.addAll(this.resyncs.keySet());
		known.addAll(this.synced);
		known.addAll(this.asked.keySet());
		return known;
	}

	/** All of this node's counts, between B and E, through {@code publish}. */
	private void send(Consumer<String> publish) {
		synchronized (this.sending) {
			publish.accept("B" + this.nodeId);
			this.manager.localPresence((room, user, count) -> publish.accept(count(this.nodeId, room, user, count)));
			publish.accept("E" + this.nodeId);
		}
	}

	/**
	 * A presence command (inbox thread).
	 * @return whether it was one
	 */
	boolean command(String text) {
		switch (text.charAt(0)) {
			case 'P' -> onCount(text);
			case 'Q' -> {
				String node = text.substring(1);
				send((message) -> this.registry.publishTo(node, message));
			}
			case 'B' -> {
				String node = text.substring(1);
				this.lastHeard.put(node, System.currentTimeMillis());
				this.resyncs.put(node, new Resync(System.currentTimeMillis(), this.outages));
			}
			case 'E' -> onResynced(text.substring(1));
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
		Resync resync = this.resyncs.get(node);
		if (resync == null) {
			this.manager.remotePresence(node, room, user, count);
		}
		else if (count > 0) {
			resync.counts.computeIfAbsent(room, (key) -> new HashMap<>()).put(user, count);
		}
		else {
			Map<String, Integer> users = resync.counts.get(room);
			if (users != null) {
				users.remove(user);
			}
		}
	}

	private void onResynced(String node) {
		this.lastHeard.put(node, System.currentTimeMillis());
		Resync resync = this.resyncs.remove(node);
		if (resync == null) {
			// its B was lost (or the resync was abandoned): what came meanwhile was applied as it came
			return;
		}
		this.manager.replaceRemotePresence(node, resync.counts);
		if (resync.outages == this.outages) {
			this.synced.add(node);
		}
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

	/** A node's counts so far, per room and user, between its B and its E (inbox thread). */
	private static final class Resync {

		private final long started;

		private final int outages;

		private final Map<String, Map<String, Integer>> counts = new HashMap<>();

		Resync(long started, int outages) {
			this.started = started;
			this.outages = outages;
		}

	}

}
