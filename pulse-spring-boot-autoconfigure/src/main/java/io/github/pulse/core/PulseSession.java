package io.github.pulse.core;

import java.security.Principal;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.pulse.ConnectionClosedException;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.RoomNames;
import io.github.pulse.SendBufferFullException;
import org.jspecify.annotations.Nullable;

/**
 * A logical session: its identity, rooms, outbound frames and timing. It holds the state; every transition of that
 * state is made by {@link SessionStates} (the state machine), every write by its {@link SessionWriter}, both under
 * {@link #lock}, with no I/O under it.
 */
final class PulseSession implements PulseConnection {

	final SessionManager manager;

	private final String id;

	private final @Nullable Principal principal;

	private final @Nullable String user;

	private final Map<String, Object> attributes;

	private final Instant connectedSince;

	private final long createdNanos;

	private final Set<String> rooms = ConcurrentHashMap.newKeySet();

	/**
	 * Rooms whose presence counts this session, created by the first such room (most sessions are in none); added to
	 * under the room's presence lock and this session's lock, removed from under the room's presence lock.
	 */
	private volatile @Nullable Set<String> presentIn;

	final Object lock = new Object();

	final SessionWriter writer;

	/** Client sequence numbers processed, for client-to-server exactly once; {@code cseq} in the protocol. */
	final ClientSequence clientSequence;

	/** Queued on its delivery lane to start its writer (see {@link DeliveryLanes}). */
	final AtomicBoolean laneQueued = new AtomicBoolean();

	// ---- guarded by lock

	ConnectionState state;

	@Nullable Transport transport;

	final FrameBuffer buffer;

	long lastSeq;

	/** Direct sends counted by the cluster's send counter that reached this session; see {@link SessionSnapshot}. */
	long directSends;

	@Nullable DisconnectReason endReason;

	/**
	 * Incremented by every transition. A decision taken at one epoch (the timer's expiry, say) is carried out only if
	 * the session is still at that epoch, so a late decision can never undo a transition that happened since.
	 */
	long epoch;

	/** The token handed out last; the client may not have received it yet. */
	@Nullable String resumeToken;

	/**
	 * The token the client resumed with, still valid until the client shows that it received {@link #resumeToken}
	 * (any frame on the new transport), so that a cut before it reads {@code resumed} does not cost it the session.
	 */
	@Nullable String heldToken;

	long suspendedAtNanos;

	/** Subprotocol of the transport attached last, written with {@link #transport}. */
	volatile @Nullable String protocol;

	long lastPingNanos;

	/** Listener callbacks in the order of the transitions that caused them; see {@link SessionStates#deliver}. */
	final ArrayDeque<Runnable> callbacks = new ArrayDeque<>(2);

	boolean delivering;

	/** Holds on the writer: while positive, frames queue but only a close is written; see {@link #holdWrites()}. */
	int writeHolds;

	// ---- written under lock or by the inbound thread, read lock-free by the heartbeat and inbound paths

	volatile boolean tokenUnconfirmed;

	volatile long lastInboundNanos;

	volatile long lastMessageNanos;

	volatile long pingSentNanos;

	volatile boolean pingOutstanding;

	// created on the first inbound message when inbound messages are rate-limited
	private volatile @Nullable TokenBucket inboundAllowance;

	/**
	 * Creates a session.
	 * @param state {@link ConnectionState#OPEN} for a new session on {@code transport},
	 * {@link ConnectionState#SUSPENDED} for one adopted from another node, which has no transport yet
	 */
	PulseSession(SessionManager manager, String id, @Nullable Principal principal, @Nullable String user,
			Map<String, Object> attributes, @Nullable Transport transport, ConnectionState state, long nowNanos) {
		this.manager = manager;
		this.id = id;
		this.principal = principal;
		this.user = user;
		this.attributes = new ConcurrentHashMap<>(attributes);
		this.connectedSince = Instant.now();
		this.createdNanos = nowNanos;
		this.transport = transport;
		this.protocol = (transport != null) ? transport.subprotocol() : null;
		this.state = state;
		this.buffer = new FrameBuffer(manager.settings());
		this.writer = new SessionWriter(this);
		// a session adopted from another node does not know what the client's messages reached there
		this.clientSequence = new ClientSequence((state == ConnectionState.OPEN) ? 0 : ClientSequence.UNKNOWN,
				manager.settings());
		this.lastInboundNanos = nowNanos;
		this.lastMessageNanos = nowNanos;
		this.lastPingNanos = nowNanos;
		this.suspendedAtNanos = nowNanos;
	}

	// ---- PulseConnection

	@Override
	public String id() {
		return this.id;
	}

	@Override
	public Set<String> rooms() {
		return Set.copyOf(this.rooms);
	}

	@Override
	public @Nullable Principal principal() {
		return this.principal;
	}

	@Override
	public @Nullable String user() {
		return this.user;
	}

	@Override
	public Map<String, Object> attributes() {
		return this.attributes;
	}

	@Override
	public @Nullable String protocol() {
		return this.protocol;
	}

	@Override
	public ConnectionState state() {
		synchronized (this.lock) {
			return this.state;
		}
	}

	@Override
	public Instant connectedSince() {
		return this.connectedSince;
	}

	@Override
	public int queuedFrames() {
		synchronized (this.lock) {
			return this.buffer.pendingMessages();
		}
	}

	@Override
	public void send(String event, @Nullable Object payload) {
		this.manager.sendDirect(this, this.manager.wire().messageBody(event, null, payload));
	}

	@Override
	public boolean join(String room) {
		RoomNames.check(room);
		ClusterBridge cluster = this.manager.clusterBridge();
		if (cluster == null) {
			return joinLocal(room);
		}
		return cluster.changeMembership(this, room, true, () -> joinLocal(room));
	}

	/**
	 * Joins a room on this node only, without telling the cluster.
	 */
	boolean joinLocal(String room) {
		if (this.user != null && this.manager.presence().isOn(room)) {
			return this.manager.joinPresent(this, room, null);
		}
		synchronized (this.lock) {
			if (this.state == ConnectionState.CLOSED) {
				throw new ConnectionClosedException(this.id);
			}
			if (!this.rooms.add(room)) {
				return false;
			}
			this.manager.roomRegistry().add(room, this);
			return true;
		}
	}

	@Override
	public boolean leave(String room) {
		ClusterBridge cluster = this.manager.clusterBridge();
		if (cluster == null || !this.rooms.contains(room)) {
			return leaveLocal(room);
		}
		return cluster.changeMembership(this, room, false, () -> leaveLocal(room));
	}

	private boolean leaveLocal(String room) {
		if (this.user != null && this.manager.presence().isOn(room)) {
			return this.manager.leavePresent(this, room);
		}
		synchronized (this.lock) {
			if (!this.rooms.remove(room)) {
				return false;
			}
			this.manager.roomRegistry().remove(room, this);
			return true;
		}
	}

	@Override
	public void close(int code, String reason) {
		CloseCodes.checkApplicationCode(code);
		this.manager.states().end(this, SessionStates.ANY_EPOCH, DisconnectReason.CLOSED, CloseCodes.status(code, reason),
				true);
	}

	// ---- outbound

	/**
	 * Queues a message frame. Direct sends fail visibly when the send buffer is full; broadcasts apply the
	 * overflow policy.
	 * @return whether the frame was queued
	 */
	boolean enqueue(EncodedBody body, boolean broadcast) {
		return enqueue(body, broadcast, false);
	}

	/**
	 * Queues a message frame.
	 * @param counted whether this is a direct send the cluster counted (see {@link SessionSnapshot#directSends()})
	 * @return whether the frame was queued
	 */
	boolean enqueue(EncodedBody body, boolean broadcast, boolean counted) {
		return enqueue(body, broadcast, counted, false, null);
	}

	/**
	 * Queues a message frame.
	 * @param counted whether this is a direct send the cluster counted (see {@link SessionSnapshot#directSends()})
	 * @param fromCluster whether a cluster thread delivers it: a slow-consumer end then calls the listeners on the
	 * engine's executor
	 * @param lanes where to start the writer if it is idle, or {@code null} to start it on this thread
	 * @return whether the frame was queued
	 */
	boolean enqueue(EncodedBody body, boolean broadcast, boolean counted, boolean fromCluster,
			@Nullable DeliveryLanes lanes) {
		boolean slowConsumer = false;
		boolean startWriter;
		int dropped = 0;
		int evicted;
		long decidedAt;
		synchronized (this.lock) {
			decidedAt = this.epoch;
			if (counted) {
				// seen, whether it is queued or refused below: the snapshot's count and lastSeq agree
				this.directSends++;
			}
			if (this.state == ConnectionState.CLOSED) {
				if (broadcast) {
					return false;
				}
				throw new ConnectionClosedException(this.id);
			}
			if (this.state == ConnectionState.OPEN) {
				int bytes = OutFrame.Message.sizeOf(this.lastSeq + 1, body);
				if (!this.buffer.fitsSendBuffer(bytes)) {
					if (!broadcast) {
						throw new SendBufferFullException(this.id);
					}
					switch (this.manager.settings().overflowPolicy()) {
						case DROP_NEWEST -> dropped = -1;
						case DISCONNECT -> slowConsumer = true;
						case DROP_OLDEST -> dropped = this.buffer.evictForSendBuffer(bytes);
					}
				}
			}
			if (dropped >= 0 && !slowConsumer) {
				// pending frames may be evicted for the resume buffer only while nobody is promised them: a
				// suspended session's losses are counted in the missed of its resume
				evicted = this.buffer.addMessage(new OutFrame.Message(++this.lastSeq, body, this.manager.nanoTime()),
						this.state == ConnectionState.SUSPENDED);
				startWriter = this.state == ConnectionState.OPEN && !this.writer.writing;
			}
			else {
				evicted = 0;
				startWriter = false;
			}
		}
		if (slowConsumer) {
			this.manager.logSlowConsumer(this);
			if (fromCluster) {
				this.manager.states().endOffThread(this, decidedAt, DisconnectReason.SLOW_CONSUMER,
						CloseCodes.SLOW_CONSUMER, false);
			}
			else {
				this.manager.states().end(this, decidedAt, DisconnectReason.SLOW_CONSUMER, CloseCodes.SLOW_CONSUMER,
						false);
			}
			return false;
		}
		this.manager.framesDropped(dropped == -1 ? 1 : dropped, "send-buffer-overflow");
		this.manager.framesDropped(evicted, "resume-buffer-overflow");
		if (dropped == -1) {
			return false;
		}
		if (startWriter) {
			if (lanes != null) {
				lanes.start(this);
			}
			else {
				this.writer.drain();
			}
		}
		return true;
	}

	/**
	 * The most recent of the frames that fit in the send buffer after an answer queued before them: history beyond
	 * what fits is left out, so that neither the answer nor a frame it announces is refused. Call holding the lock.
	 * @param answer the answer that goes first
	 * @param frames the frames that follow it, oldest first
	 * @return the frames that fit, the most recent ones
	 */
	List<EncodedBody> fitting(EncodedBody answer, List<EncodedBody> frames) {
		if (this.state != ConnectionState.OPEN) {
			// suspended: the frames wait for the resume within the resume buffer's own limits
			return frames;
		}
		// every sequence number below has at most as many digits as the last one's
		long lastSeq = this.lastSeq + 1 + frames.size();
		long bytes = OutFrame.Message.sizeOf(lastSeq, answer);
		if (!this.buffer.fitsSendBuffer(1, bytes)) {
			return frames;
		}
		int first = frames.size();
		while (first > 0) {
			long more = bytes + OutFrame.Message.sizeOf(lastSeq, frames.get(first - 1));
			if (!this.buffer.fitsSendBuffer(1 + frames.size() - first + 1, more)) {
				break;
			}
			bytes = more;
			first--;
		}
		return frames.subList(first, frames.size());
	}

	/**
	 * Queues a protocol frame (pong) without a sequence number, subject to no limit. Dropped when suspended.
	 */
	void enqueueControl(String text) {
		boolean startWriter;
		synchronized (this.lock) {
			if (this.state != ConnectionState.OPEN) {
				return;
			}
			this.buffer.addControl(new OutFrame.Control(text));
			startWriter = !this.writer.writing;
		}
		if (startWriter) {
			this.writer.drain();
		}
	}

	/**
	 * Holds this session's writes: frames queue as usual (and count against the buffers), but none reaches the
	 * transport until every hold is released; a close still goes out. The cluster holds them while Redis has not yet
	 * recorded what a resume on another node needs, so that the client never gets ahead of Redis.
	 * @return releases the hold, once (later calls do nothing), from any thread; the writer resumes on the engine's
	 * executor, never on the releasing thread
	 */
	Runnable holdWrites() {
		synchronized (this.lock) {
			this.writeHolds++;
		}
		AtomicBoolean released = new AtomicBoolean();
		return () -> {
			if (!released.compareAndSet(false, true)) {
				return;
			}
			boolean resume;
			synchronized (this.lock) {
				this.writeHolds--;
				resume = this.writeHolds == 0 && this.transport != null && !this.writer.writing;
			}
			if (resume) {
				this.manager.execute(this.writer::drain);
			}
		};
	}

	/**
	 * Puts a protocol frame at the head of the queue without starting the writer; {@link SessionWriter#drain()}
	 * sends it.
	 */
	void queueFirstFrame(String text) {
		synchronized (this.lock) {
			this.buffer.addControlFirst(OutFrame.Control.opening(text));
		}
	}

	// ---- inbound

	void inboundActivity(long nowNanos) {
		this.lastInboundNanos = nowNanos;
	}

	/**
	 * Takes one inbound message from the session's allowance, creating it on first use.
	 * @return {@code false} if the message exceeds the rate
	 */
	boolean allowInbound(PulseSettings settings, long nowNanos) {
		TokenBucket allowance = this.inboundAllowance;
		if (allowance == null) {
			synchronized (this.lock) {
				allowance = this.inboundAllowance;
				if (allowance == null) {
					allowance = new TokenBucket(settings.inboundRate(), settings.inboundBurst(), nowNanos);
					this.inboundAllowance = allowance;
				}
			}
		}
		return allowance.tryTake(nowNanos);
	}

	void messageActivity(long nowNanos) {
		this.lastMessageNanos = nowNanos;
	}

	void pong(long nowNanos) {
		this.lastInboundNanos = nowNanos;
		if (this.pingOutstanding) {
			this.pingOutstanding = false;
			this.manager.heartbeatRtt(nowNanos - this.pingSentNanos);
		}
	}

	/**
	 * Releases frames the client acknowledged.
	 * @return {@code false} if the client acknowledged a frame that was never sent
	 */
	boolean ack(long seq) {
		synchronized (this.lock) {
			if (seq > this.lastSeq) {
				return false;
			}
			this.buffer.ack(seq);
			return true;
		}
	}

	boolean isCurrent(Transport candidate) {
		synchronized (this.lock) {
			return this.transport == candidate;
		}
	}

	/**
	 * Sequence counter, counted direct sends and rooms, read together.
	 */
	SessionSnapshot snapshot(Map<String, Object> transferable) {
		synchronized (this.lock) {
			return new SessionSnapshot(this.id, (this.principal != null) ? this.principal.getName() : null,
					transferable, java.util.List.copyOf(this.rooms), this.lastSeq, this.directSends,
					this.state == ConnectionState.CLOSED);
		}
	}

	/**
	 * Installs the frames handed over by another node, then the frames that node never delivered, numbered after
	 * them. Called before the session is visible to anyone.
	 * @return the number of frames evicted by the resume buffer limits
	 */
	int adoptFrames(long seq, java.util.List<HandoverState.Frame> frames, java.util.List<String> later,
			long directSends) {
		int evicted = 0;
		synchronized (this.lock) {
			this.directSends = directSends;
			long now = this.manager.nanoTime();
			for (HandoverState.Frame frame : frames) {
				evicted += this.buffer.addMessage(new OutFrame.Message(frame.seq(), EncodedBody.of(frame.body()), now),
						true);
			}
			this.lastSeq = seq;
			for (String body : later) {
				evicted += this.buffer.addMessage(new OutFrame.Message(++this.lastSeq, EncodedBody.of(body), now),
						true);
			}
		}
		return evicted;
	}

	/**
	 * Timer settings in nanoseconds; {@code idleTimeoutNanos} is zero when there is no idle timeout.
	 */
	record Timing(long intervalNanos, long timeoutNanos, long writeTimeoutNanos, long idleTimeoutNanos,
			long windowNanos) {
	}

	/**
	 * Periodic check: write timeout, heartbeat, idle timeout and resume expiry. Runs on the timer thread. Each
	 * decision is taken under the lock and carried out by the state machine only if no transition happened since.
	 */
	void tick(long now, Timing timing) {
		Transport target;
		Runnable action = null;
		synchronized (this.lock) {
			target = this.transport;
			long decidedAt = this.epoch;
			if (this.state == ConnectionState.SUSPENDED) {
				if (now - this.suspendedAtNanos >= timing.windowNanos()) {
					action = () -> this.manager.states().end(this, decidedAt, DisconnectReason.RESUME_EXPIRED, null,
							false);
				}
			}
			else if (target != null && this.state == ConnectionState.OPEN) {
				if (this.writer.writing && now - this.writer.writeStartedNanos >= timing.writeTimeoutNanos()) {
					// the peer stopped reading: a close frame could not reach it, the connection is dropped
					action = () -> this.manager.states().suspend(this, target, DisconnectReason.TRANSPORT_ERROR,
							CloseCodes.WRITE_TIMEOUT);
				}
				else if (this.pingOutstanding && this.lastInboundNanos - this.pingSentNanos < 0
						&& now - this.pingSentNanos >= timing.timeoutNanos()) {
					action = () -> {
						this.manager.heartbeatTimedOut(this);
						this.manager.states().suspend(this, target, DisconnectReason.HEARTBEAT_TIMEOUT,
								CloseCodes.HEARTBEAT_TIMEOUT);
					};
				}
				else if (timing.idleTimeoutNanos() > 0 && now - this.lastMessageNanos >= timing.idleTimeoutNanos()) {
					action = () -> this.manager.states().end(this, decidedAt, DisconnectReason.IDLE_TIMEOUT,
							CloseCodes.IDLE_TIMEOUT, true);
				}
				else {
					if (this.pingOutstanding && this.lastInboundNanos - this.pingSentNanos >= 0) {
						this.pingOutstanding = false;
					}
					if (!this.pingOutstanding && now - this.lastPingNanos >= timing.intervalNanos()
							&& !this.writer.writing && this.buffer.isEmpty()) {
						this.buffer.addControl(OutFrame.Ping.INSTANCE);
						this.pingOutstanding = true;
						this.pingSentNanos = now;
						this.lastPingNanos = now;
						action = this.writer::drain;
					}
				}
			}
			else if (this.state == ConnectionState.CLOSED && this.writer.closing) {
				action = this.writer.closeCheck(now, timing.writeTimeoutNanos());
			}
		}
		if (action != null) {
			action.run();
		}
	}

	// ---- accessors for the manager

	@Nullable Transport transport() {
		synchronized (this.lock) {
			return this.transport;
		}
	}

	@Nullable DisconnectReason endReason() {
		synchronized (this.lock) {
			return this.endReason;
		}
	}

	/**
	 * The tokens that resume this session: the one handed out last and, until the client confirms it, the one it
	 * resumed with.
	 */
	java.util.List<String> resumeTokens() {
		synchronized (this.lock) {
			java.util.List<String> tokens = new java.util.ArrayList<>(2);
			if (this.resumeToken != null) {
				tokens.add(this.resumeToken);
			}
			if (this.heldToken != null) {
				tokens.add(this.heldToken);
			}
			return tokens;
		}
	}

	void resumeToken(@Nullable String token) {
		synchronized (this.lock) {
			this.resumeToken = token;
		}
	}

	Set<String> roomSet() {
		return this.rooms;
	}

	/**
	 * The rooms whose presence counts this session.
	 */
	Set<String> presentIn() {
		Set<String> present = this.presentIn;
		return (present != null) ? present : Set.of();
	}

	/**
	 * Counts this session in a room's presence. Under the room's presence lock and this session's lock.
	 */
	void addPresence(String room) {
		Set<String> present = this.presentIn;
		if (present == null) {
			present = ConcurrentHashMap.newKeySet();
			this.presentIn = present;
		}
		present.add(room);
	}

	/**
	 * Stops counting this session in a room's presence. Under the room's presence lock: a room is added under that
	 * lock too, so a room that was added is seen here.
	 * @return whether it was counted
	 */
	boolean removePresence(String room) {
		Set<String> present = this.presentIn;
		return present != null && present.remove(room);
	}

	long createdNanos() {
		return this.createdNanos;
	}

	@Override
	public String toString() {
		return "PulseSession[" + this.id + "]";
	}

}
