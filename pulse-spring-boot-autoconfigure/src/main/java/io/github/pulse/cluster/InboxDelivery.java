package io.github.pulse.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import io.github.pulse.PulseConnection;
import io.github.pulse.core.RoomHistory;
import io.github.pulse.core.SessionManager;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * What the inbox delivers to, on its thread: this node's members, the resumes waiting for broadcasts (live
 * hand-overs and rebuilds after a node died), and the commands on this node's channel ({@code C} send, {@code K}
 * kick, {@code R} hand-over request, {@code H} hand-over reply).
 */
final class InboxDelivery implements ClusterInbox.Target {

	private static final Log logger = LogFactory.getLog(InboxDelivery.class);

	private final SessionManager manager;

	private final String nodeId;

	private final ReentrantLock deliveryLock;

	private final UntoldLosses losses;

	// set by connect(), before the inbox starts
	private ClusterPublisher publisher;

	private SnapshotStore snapshots;

	private LiveHandover handover;

	private DeadNodeRecovery recovery;

	private ClusterPresence presence;

	InboxDelivery(SessionManager manager, String nodeId, ReentrantLock deliveryLock, UntoldLosses losses) {
		this.manager = manager;
		this.losses = losses;
		this.nodeId = nodeId;
		this.deliveryLock = deliveryLock;
	}

	/** The parts it delivers to, made after the inbox (they need it). */
	void connect(ClusterPublisher publisher, SnapshotStore snapshots, LiveHandover handover,
			DeadNodeRecovery recovery, ClusterPresence presence) {
		this.presence = presence;
		this.publisher = publisher;
		this.snapshots = snapshots;
		this.handover = handover;
		this.recovery = recovery;
	}

	@Override
	public Set<String> neededRooms() {
		Set<String> rooms = new HashSet<>(this.manager.rooms());
		this.recovery.addNeededRooms(rooms);
		// this node's copies of rooms' history miss nothing either
		rooms.addAll(this.manager.history().rooms());
		return rooms;
	}

	@Override
	public int deliver(ClusterMessage.Broadcast broadcast, long lost) {
		String body = UntoldLosses.withMissed(broadcast.body(), lost);
		this.deliveryLock.lock();
		try {
			RoomHistory history = this.manager.history();
			if (history.isConfigured()) {
				// recorded in the order delivered, also a broadcast of this node delivered directly before
				if (lost > 0) {
					history.lost(broadcast.room());
				}
				history.delivered(broadcast.room(), broadcast.body(), broadcast.g(), this.manager.nanoTime());
			}
			if (broadcast.node().equals(this.nodeId) && !this.publisher.claimReturned(broadcast.seq())) {
				// delivered here directly while Redis was slow or away
				return -1;
			}
			this.handover.numbered(broadcast, body);
			Set<String> have = this.handover.alreadyHave(broadcast);
			Map<String, String> instead = owedBodies(broadcast.room(), body, have);
			int members = (have.isEmpty() && instead.isEmpty())
					? this.manager.deliverBroadcast(broadcast.room(), body)
					: this.manager.deliverBroadcast(broadcast.room(), body, have, instead);
			this.recovery.delivered(broadcast.g(), broadcast.n(), broadcast.room(), body);
			return members;
		}
		finally {
			this.deliveryLock.unlock();
		}
	}

	/** The body each member owed a count of lost broadcasts gets instead, the count added; usually none. */
	private Map<String, String> owedBodies(String room, String body, Set<String> have) {
		if (this.losses.isEmpty()) {
			return Map.of();
		}
		Set<String> members = new HashSet<>();
		this.manager.connections(room).forEach((member) -> members.add(member.id()));
		members.removeAll(have);
		Map<String, String> instead = new HashMap<>();
		this.losses.takeAll(room, members).forEach((id, owed) -> instead.put(id, UntoldLosses.withMissed(body, owed)));
		return instead;
	}

	@Override
	public void lostBeforeUndelivered(String room, long lost) {
		this.deliveryLock.lock();
		try {
			this.manager.history().lost(room);
			this.losses.owe(this.manager.connections(room).stream().map(PulseConnection::id).toList(), room, lost);
		}
		finally {
			this.deliveryLock.unlock();
		}
	}

	@Override
	public void advanced() {
		this.recovery.advanced();
	}

	/** A command on this node's channel (inbox thread). */
	@Override
	public void command(String text) {
		if (text.startsWith("C")) {
			onSend(text);
		}
		else if (text.startsWith("U")) {
			// U<length>:<user><body>: a send to a user, for its connections on this node
			int colon = text.indexOf(':');
			int length = Integer.parseInt(text, 1, colon, 10);
			this.manager.deliverToUser(text.substring(colon + 1, colon + 1 + length), text.substring(colon + 1 + length));
		}
		else if (text.startsWith("K")) {
			String connectionId = text.substring(1);
			if (!this.manager.kickLocal(connectionId)) {
				this.handover.forwardIfMoved(connectionId, text);
			}
		}
		else if (text.startsWith("R")) {
			this.handover.onRequest(text.substring(1));
		}
		else if (text.startsWith("H")) {
			this.handover.onReply(text.substring(1));
		}
		else if (!text.isEmpty() && this.presence.command(text)) {
			// P, Q or B: presence of another node
		}
		else {
			logger.warn("pulse cluster: ignored a malformed command");
		}
	}

	/** {@code C<counter>:<length>:<id><body>}: a direct send counted in the connection's send counter. */
	private void onSend(String text) {
		int first = text.indexOf(':');
		int second = text.indexOf(':', first + 1);
		long counter = Long.parseLong(text, 1, first, 10);
		int length = Integer.parseInt(text, first + 1, second, 10);
		String connectionId = text.substring(second + 1, second + 1 + length);
		String body = text.substring(second + 1 + length);
		boolean counted = this.snapshots.counted(connectionId, counter);
		boolean delivered;
		// a session being rebuilt after its node died records it, atomically with reading its state
		this.deliveryLock.lock();
		try {
			delivered = this.manager.deliverSend(connectionId, body, counted)
					|| this.recovery.recordSend(connectionId, counter, body);
		}
		finally {
			this.deliveryLock.unlock();
		}
		if (!delivered) {
			this.handover.forwardIfMoved(connectionId, text);
		}
	}

}
