package io.github.pulse.cluster;

import java.security.Principal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.ClusterBridge.RemoteResume;
import io.github.pulse.core.HandoverState;
import io.github.pulse.core.SessionManager;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Live hand-over: a client resumes on this node with a token another live node holds. This node asks the owner on
 * its command channel ({@code R}), the owner hands the session over ({@code H}) with the cluster-wide number of the
 * last broadcast it delivered, and this node rebuilds the session with exactly the broadcasts the owner had not
 * delivered to it. Sends and kicks that still reach the old owner follow the session for a node timeout.
 */
final class LiveHandover {

	private static final Log logger = LogFactory.getLog(LiveHandover.class);

	private final SessionManager manager;

	private final String nodeId;

	private final long nodeTimeoutMillis;

	private final NodeRegistry registry;

	private final ClusterInbox inbox;

	private final SnapshotStore snapshots;

	private final ObjectMapper json;

	/**
	 * Held shared by this node's broadcasts (number, deliver locally, record, queue) and exclusively while a
	 * session is handed over or adopted, so that a session's frames and the broadcast numbers agree.
	 */
	private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

	private final Map<String, PendingResume> pending = new ConcurrentHashMap<>();

	private final Map<String, Moved> moved = new ConcurrentHashMap<>();

	private final ClusterPublisher publisher;

	/** Sessions handed over to this node that got some of their old node's broadcasts directly; by id. */
	private final Map<String, DirectlyDelivered> directlyDelivered = new ConcurrentHashMap<>();

	/** Counts of lost broadcasts sessions here are owed: they move with a session, both ways. */
	private final UntoldLosses losses;

	/**
	 * On the owner: the answers it sent, by request id, for a node timeout, so that a request sent again (its
	 * answer lost on the way, or the request itself) gets the same answer again, never a second hand-over.
	 */
	private final Map<String, Answered> answered = new ConcurrentHashMap<>();

	/**
	 * On the resuming node: requests whose answer was applied, by id, for a node timeout: a copy of an answer that
	 * arrives later is the owner answering a request sent again, not a session lost.
	 */
	private final Map<String, Long> applied = new ConcurrentHashMap<>();

	LiveHandover(SessionManager manager, String nodeId, long nodeTimeoutMillis, NodeRegistry registry,
			ClusterInbox inbox, SnapshotStore snapshots, ObjectMapper json, ClusterPublisher publisher,
			UntoldLosses losses) {
		this.losses = losses;
		this.publisher = publisher;
		this.manager = manager;
		this.nodeId = nodeId;
		this.nodeTimeoutMillis = nodeTimeoutMillis;
		this.registry = registry;
		this.inbox = inbox;
		this.snapshots = snapshots;
		this.json = json;
	}

	/**
	 * The lock a broadcast of this node holds (shared) from numbering to queueing.
	 * @return the shared lock
	 */
	Lock broadcastLock() {
		return this.lock.readLock();
	}

	/**
	 * A broadcast of this node reached its members without a cluster-wide number: directly (Redis slow or away),
	 * or without being queued at all. A resume waiting for its hand-over gets it unless the owner delivered it
	 * (its answer names the last of this node's broadcasts it delivered). Call holding {@link #broadcastLock()} or
	 * the inbox's delivery lock.
	 * @param seq its sequence number, {@link Long#MAX_VALUE} if it was not queued (no other node gets it)
	 */
	void unnumbered(String room, String body, long seq) {
		record(new Later(Long.MAX_VALUE, room, body, this.nodeId, seq));
	}

	/**
	 * A broadcast with cluster-wide number {@code g} reached this node's members: a resume waiting for its hand-over
	 * gets it if the owner had not delivered it.
	 */
	void numbered(ClusterMessage.Broadcast broadcast, String body) {
		record(new Later(broadcast.g(), broadcast.room(), body, broadcast.node(), broadcast.seq()));
	}

	/** Records a broadcast for every resume waiting for its hand-over. */
	private void record(Later later) {
		if (!this.pending.isEmpty()) {
			this.pending.values().forEach((resume) -> resume.later.add(later));
		}
	}

	/**
	 * The sessions handed over here that got this broadcast directly on their old node, before Redis numbered it;
	 * forgets those for which the old node's broadcasts have passed what they got (a node's broadcasts arrive in
	 * its order). Inbox thread.
	 * @param broadcast a broadcast about to be delivered here
	 * @return their ids, usually none
	 */
	Set<String> alreadyHave(ClusterMessage.Broadcast broadcast) {
		if (this.directlyDelivered.isEmpty()) {
			return Set.of();
		}
		Set<String> have = new HashSet<>();
		this.directlyDelivered.forEach((connectionId, direct) -> {
			if (direct.covers(broadcast.node(), broadcast.seq())) {
				have.add(connectionId);
			}
			else if (direct.node().equals(broadcast.node())) {
				this.directlyDelivered.remove(connectionId, direct);
			}
		});
		return have;
	}

	/**
	 * Asks the live owner of a token to hand its session over and adopts it here (caller's thread, bounded by the
	 * node timeout). The request goes again every {@link #retryMillis(long) retry interval} until the answer is
	 * here (pub/sub delivers a message only to a subscriber connected at that moment: a request or its answer is
	 * lost when the owner's or this node's subscription is being re-established); the owner answers a request it
	 * has answered with the same answer.
	 * @return the outcome, with the adopted session not yet attached; {@code null} if the owner did not answer
	 */
	@Nullable RemoteResume resume(String owner, String token, long lastSeq, ConnectDecision decision,
			@Nullable Principal principal) {
		String requestId = UUID.randomUUID().toString();
		PendingResume resume = new PendingResume(decision, principal);
		String request = encode(new HandoverRequest(requestId, this.nodeId, token, lastSeq,
				(principal != null) ? principal.getName() : null, decision.connectionId()));
		// registered and queued together, exclusively: a broadcast of this node is either queued before the request
		// (so Redis numbers it before it publishes the request, and the owner delivers it before handing over) or
		// after it, and recorded for this resume. Redis prefixes the request with the cluster's position as it
		// publishes it, and the owner delivers up to there first: every broadcast numbered before the request reaches
		// the session on the owner, every one numbered after it reaches it here.
		this.lock.writeLock().lock();
		try {
			this.pending.put(requestId, resume);
			if (!this.registry.requestHandover(owner, request)) {
				this.pending.remove(requestId);
				return RemoteResume.UNKNOWN;
			}
		}
		finally {
			this.lock.writeLock().unlock();
		}
		try {
			long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(this.nodeTimeoutMillis);
			long retryNanos = TimeUnit.MILLISECONDS.toNanos(retryMillis(this.nodeTimeoutMillis));
			while (true) {
				long left = deadline - System.nanoTime();
				try {
					return resume.result.get(Math.max(0, Math.min(left, retryNanos)), TimeUnit.NANOSECONDS);
				}
				catch (TimeoutException ex) {
					if (left <= retryNanos) {
						throw ex;
					}
					sendAgain(owner, request, resume);
				}
			}
		}
		catch (TimeoutException ex) {
			if (giveUp(requestId)) {
				logger.warn("pulse cluster: node " + owner + " did not answer a resume hand-over within "
						+ this.nodeTimeoutMillis + " ms");
				return null;
			}
			// the answer is being applied right now
			return resume.result.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.pending.remove(requestId);
			return RemoteResume.UNKNOWN;
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException("Adopting a handed-over session failed", ex.getCause());
		}
	}

	/**
	 * How long a resume waits for the owner's answer before it sends its request again: a fifth of the node timeout,
	 * between 100 ms and a second.
	 */
	static long retryMillis(long nodeTimeoutMillis) {
		return Math.max(100, Math.min(1000, nodeTimeoutMillis / 5));
	}

	/**
	 * Sends a resume's request again. The owner may then deliver broadcasts this resume recorded before it hands
	 * over; its answer says up to where it did, for the numbered ones and for this node's own that reached this
	 * node's members without a number. Exclusive with this node's broadcasts, like the first.
	 */
	private void sendAgain(String owner, String request, PendingResume resume) {
		this.lock.writeLock().lock();
		try {
			if (!resume.result.isDone()) {
				this.registry.requestHandover(owner, request);
			}
		}
		finally {
			this.lock.writeLock().unlock();
		}
	}

	/** Whether this thread removed the pending resume (else its answer is being applied). */
	private boolean giveUp(String requestId) {
		this.lock.writeLock().lock();
		try {
			return this.pending.remove(requestId) != null;
		}
		finally {
			this.lock.writeLock().unlock();
		}
	}

	/**
	 * On the owning node (inbox thread): hand the session over, exclusively, so that the reply's broadcast numbers
	 * say exactly which broadcasts the session received here.
	 */
	void onRequest(String text) {
		// <epoch>|<global number>|<request>: where the cluster stood when Redis published it (request.lua)
		int first = text.indexOf('|');
		int second = (first >= 0) ? text.indexOf('|', first + 1) : -1;
		HandoverRequest request;
		long published;
		try {
			published = Long.parseLong(text, first + 1, second, 10);
			request = this.json.readValue(text.substring(second + 1), HandoverRequest.class);
		}
		catch (JacksonException | IndexOutOfBoundsException | NumberFormatException ex) {
			logger.warn("pulse cluster: ignored a malformed hand-over request");
			return;
		}
		Answered earlier = this.answered.get(request.requestId());
		if (earlier != null) {
			// the request came again: its answer, or the first request, was lost on the way
			this.registry.command(earlier.node(), earlier.reply());
			return;
		}
		// every broadcast numbered before the request reaches the session here: this node may not have them all yet
		// (its subscription lost some, and nothing since showed the gap), so it delivers up to there first
		this.inbox.catchUpTo(text.substring(0, first), published);
		HandoverState state;
		long delivered;
		long ownDelivered;
		long directUpTo;
		long sendBase = -1;
		Map<String, Long> missed = Map.of();
		this.lock.writeLock().lock();
		try {
			// read first: handing over ends the session's bookkeeping here
			Map<String, Long> bases = this.snapshots.sendBases();
			state = this.manager.handOver(request.token(), request.principalName(), request.connectionId(),
					request.lastSeq());
			if (state != null) {
				sendBase = bases.getOrDefault(state.connectionId(), -1L);
				// broadcasts it lost here and has not been told of yet (this is the inbox thread, which owes them)
				missed = this.losses.take(state.connectionId());
				// sends and kicks that still reach this node follow the session for a while
				this.moved.put(state.connectionId(),
						new Moved(request.replyNode(), System.currentTimeMillis() + this.nodeTimeoutMillis));
			}
			// this is the inbox thread: the session has every broadcast of its rooms up to this number, no other
			delivered = this.inbox.delivered();
			// and the resuming node's broadcasts up to this one, also those that reached its members without a number
			ownDelivered = this.inbox.publisherSeq(request.replyNode());
			// and those of this node's own that reached it directly (exclusive with direct deliveries, which hold
			// the read lock), which Redis numbers later
			directUpTo = this.publisher.lastDeliveredDirectly();
		}
		finally {
			this.lock.writeLock().unlock();
		}
		HandoverReply reply = new HandoverReply(request.requestId(),
				(state != null) ? null : this.manager.resumeFailure(request.token()), state,
				(state != null) ? AttributeTypes.of(state.attributes()) : Map.of(), delivered, this.inbox.epoch(),
				ownDelivered, sendBase, this.nodeId, directUpTo, missed);
		String answer = "H" + encode(reply);
		this.answered.put(request.requestId(),
				new Answered(request.replyNode(), answer, System.currentTimeMillis() + this.nodeTimeoutMillis));
		if (!this.registry.command(request.replyNode(), answer) && state != null) {
			logger.warn("pulse cluster: could not queue the hand-over of " + state.connectionId() + " to node "
					+ request.replyNode() + "; the session is lost");
		}
	}

	/**
	 * On the resuming node (inbox thread): rebuild the session with the broadcasts the owner had not delivered to
	 * it, atomically with this node's own broadcasts (write lock) and the remote ones (this is the inbox thread).
	 */
	void onReply(String text) {
		HandoverReply reply;
		try {
			reply = this.json.readValue(text, HandoverReply.class);
		}
		catch (JacksonException ex) {
			logger.warn("pulse cluster: ignored a malformed hand-over reply");
			return;
		}
		if (this.applied.containsKey(reply.requestId())) {
			// the owner answered a request sent again: this answer is applied already
			return;
		}
		// the session has every broadcast up to the owner's position: this node delivers up to there first, so
		// that what it delivers later is exactly what the session has not got
		this.inbox.catchUpTo(reply.epoch(), reply.delivered());
		this.lock.writeLock().lock();
		try {
			adopt(reply);
		}
		finally {
			this.lock.writeLock().unlock();
		}
	}

	/** Applies a hand-over reply; call holding the write lock. */
	private void adopt(HandoverReply reply) {
		PendingResume resume = this.pending.remove(reply.requestId());
		HandoverState state = reply.state();
		if (resume != null) {
			this.applied.put(reply.requestId(), System.currentTimeMillis() + this.nodeTimeoutMillis);
		}
		else {
			if (state != null) {
				logger.warn("pulse cluster: the hand-over of " + state.connectionId()
						+ " arrived after the resume gave up; the session is lost");
			}
			return;
		}
		if (state == null) {
			resume.result.complete(new RemoteResume(null, "expired".equals(reply.failure()) ? "expired" : "unknown"));
			return;
		}
		// without the old node's counter base, counting starts afresh from the counter's value now
		state = new HandoverState(state.connectionId(), state.principalName(),
				AttributeTypes.typed(state.attributes(), reply.attributeTypes()), state.rooms(), state.lastSeq(),
				state.frames(), (reply.sendBase() >= 0) ? state.directSends() : 0, state.clientSeq());
		Set<String> rooms = new HashSet<>(state.rooms());
		List<String> later = new ArrayList<>();
		DirectlyDelivered direct = (reply.node() != null && reply.directUpTo() >= 0)
				? new DirectlyDelivered(reply.node(), reply.directUpTo(), System.currentTimeMillis() + this.nodeTimeoutMillis)
				: null;
		// broadcasts it lost on the old node, not told yet: on its room's next frame
		Map<String, Long> untold = new HashMap<>(Objects.requireNonNullElse(reply.missed(), Map.of()));
		for (Later broadcast : resume.later) {
			boolean deliveredByOwner = (broadcast.g() == Long.MAX_VALUE) ? broadcast.seq() <= reply.yoursDelivered()
					: broadcast.g() <= reply.delivered();
			if (rooms.contains(broadcast.room()) && !deliveredByOwner
					&& (direct == null || !direct.covers(broadcast.node(), broadcast.seq()))) {
				Long lost = untold.remove(broadcast.room());
				later.add((lost != null) ? UntoldLosses.withMissed(broadcast.body(), lost) : broadcast.body());
			}
		}
		try {
			this.snapshots.adopting(state.connectionId(), reply.sendBase());
			PulseConnection connection = this.manager.adopt(state, later, resume.decision, resume.principal);
			this.losses.owe(state.connectionId(), untold);
			if (direct != null) {
				this.directlyDelivered.put(state.connectionId(), direct);
			}
			resume.result.complete(new RemoteResume(connection, null));
		}
		catch (RuntimeException ex) {
			resume.result.completeExceptionally(ex);
			throw ex;
		}
	}

	/**
	 * Sends a command that reached this node for a connection handed over from here on to its new node.
	 * @param connectionId the connection
	 * @param command the command
	 */
	void forwardIfMoved(String connectionId, String command) {
		Moved target = this.moved.get(connectionId);
		if (target != null) {
			this.registry.command(target.node(), command);
		}
	}

	/** Forgets hand-overs older than a node timeout (heartbeat). */
	void purge(long now) {
		this.moved.values().removeIf((entry) -> entry.expiresAt() < now);
		this.directlyDelivered.values().removeIf((entry) -> entry.expiresAt() < now);
		this.answered.values().removeIf((entry) -> entry.expiresAt() < now);
		this.applied.values().removeIf((expiresAt) -> expiresAt < now);
	}

	private String encode(Object message) {
		try {
			return this.json.writeValueAsString(message);
		}
		catch (JacksonException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A resume waiting for the owner's answer, and the broadcasts made meanwhile. */
	private static final class PendingResume {

		final ConnectDecision decision;

		final @Nullable Principal principal;

		final ConcurrentLinkedQueue<Later> later = new ConcurrentLinkedQueue<>();

		final CompletableFuture<RemoteResume> result = new CompletableFuture<>();

		PendingResume(ConnectDecision decision, @Nullable Principal principal) {
			this.decision = decision;
			this.principal = principal;
		}

	}

	/**
	 * A broadcast delivered here while a resume waits for its hand-over: {@code g} its cluster-wide number
	 * ({@link Long#MAX_VALUE} if it had none yet), {@code node} and {@code seq} its publisher and the publisher's
	 * number.
	 */
	private record Later(long g, String room, String body, String node, long seq) {
	}

	/**
	 * A session handed over from {@code node} that got the node's broadcasts up to {@code seq} directly, before
	 * Redis numbered them: this node does not deliver those to it again when they arrive numbered.
	 */
	private record DirectlyDelivered(String node, long seq, long expiresAt) {

		boolean covers(String publisher, long publisherSeq) {
			return this.node.equals(publisher) && publisherSeq <= this.seq;
		}

	}

	private record Moved(String node, long expiresAt) {
	}

	/** An answer sent to a resuming node's request, encoded as sent. */
	private record Answered(String node, String reply, long expiresAt) {
	}

	record HandoverRequest(String requestId, String replyNode, String token, long lastSeq,
			@Nullable String principalName, @Nullable String connectionId) {
	}

	/**
	 * The owner's answer to a resume.
	 * @param delivered the global number up to which the session got every broadcast of its rooms
	 * @param epoch the epoch of {@code delivered}, {@code null} if the owner does not know it
	 * @param yoursDelivered the sequence number of the last broadcast of the resuming node the owner delivered
	 * ({@code -1} if none): the resuming node's broadcasts that reached its members without a number and were
	 * recorded for the resume reached the session on the owner up to it
	 * @param node the owner
	 * @param directUpTo the owner's last broadcast (its sequence number) that reached the session directly before
	 * Redis numbered it (Redis slow or away), {@code -1} if none is still waiting for its number
	 * @param missed per room, broadcasts the session lost on the owner (beyond the streams) that it was not told of
	 * yet: the {@code missed} of the room's next frame to it
	 */
	record HandoverReply(String requestId, @Nullable String failure, @Nullable HandoverState state,
			Map<String, String> attributeTypes, long delivered, @Nullable String epoch, long yoursDelivered,
			long sendBase, @Nullable String node, long directUpTo, Map<String, Long> missed) {
	}

}
