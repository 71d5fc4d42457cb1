package io.github.pulse.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.github.pulse.ConnectionClosedException;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseConnection;
import io.github.pulse.RoomNames;
import io.github.pulse.SendBufferFullException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.socket.CloseStatus;

/**
 * A logical session and its state machine. Every transition of {@link #state} happens under {@link #lock}; no I/O
 * happens under it. Writes are serialised: at most one frame is being written at a time, started by whichever
 * thread finds the writer idle, and continued by the completion callback.
 */
final class PulseSession implements PulseConnection {

	private final SessionManager manager;

	private final String id;

	private final @Nullable Principal principal;

	private final Map<String, Object> attributes;

	private final Instant connectedSince;

	private final long createdNanos;

	private final Set<String> rooms = ConcurrentHashMap.newKeySet();

	private final Object lock = new Object();

	// guarded by lock
	private ConnectionState state = ConnectionState.OPEN;

	private @Nullable Transport transport;

	private final FrameBuffer buffer;

	private long lastSeq;

	/** Direct sends counted by the cluster's send counter that reached this session; see {@link SessionSnapshot}. */
	private long directSends;

	private boolean writing;

	/** Frames are in a gathering transport's output buffer, not yet flushed. */
	private boolean unflushed;

	private long writeStartedNanos;

	private boolean flushingClose;

	private @Nullable DisconnectReason endReason;

	/** Listener callbacks in the order of the transitions that caused them; see {@link #deliverCallbacks()}. */
	private final java.util.ArrayDeque<Runnable> callbacks = new java.util.ArrayDeque<>(2);

	private boolean delivering;

	private @Nullable String resumeToken;

	private long suspendedAtNanos;

	private long lastPingNanos;

	// written under lock, read lock-free by the heartbeat and inbound paths
	private volatile long lastInboundNanos;

	private volatile long lastMessageNanos;

	private volatile long pingSentNanos;

	private volatile boolean pingOutstanding;

	// created on the first inbound message when inbound messages are rate-limited
	private volatile @Nullable TokenBucket inboundAllowance;

	PulseSession(SessionManager manager, String id, @Nullable Principal principal, Map<String, Object> attributes,
			@Nullable Transport transport, long nowNanos) {
		this.manager = manager;
		this.id = id;
		this.principal = principal;
		this.attributes = new ConcurrentHashMap<>(attributes);
		this.connectedSince = Instant.now();
		this.createdNanos = nowNanos;
		this.transport = transport;
		this.buffer = new FrameBuffer(manager.settings());
		this.lastInboundNanos = nowNanos;
		this.lastMessageNanos = nowNanos;
		this.lastPingNanos = nowNanos;
		if (transport != null) {
			// a session adopted from another node has no transport yet and is not new: no onConnect
			this.callbacks.add(() -> manager.notifyConnect(this));
		}
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
	public Map<String, Object> attributes() {
		return this.attributes;
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
		end(DisconnectReason.CLOSED, CloseCodes.status(code, reason), true);
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
		boolean slowConsumer = false;
		boolean startWriter;
		int dropped = 0;
		int evicted;
		synchronized (this.lock) {
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
				evicted = this.buffer.addMessage(new OutFrame.Message(++this.lastSeq, body, this.manager.nanoTime()));
				startWriter = this.state == ConnectionState.OPEN && !this.writing;
			}
			else {
				evicted = 0;
				startWriter = false;
			}
		}
		if (slowConsumer) {
			this.manager.logSlowConsumer(this);
			end(DisconnectReason.SLOW_CONSUMER, CloseCodes.SLOW_CONSUMER, false);
			return false;
		}
		this.manager.framesDropped(dropped == -1 ? 1 : dropped, "send-buffer-overflow");
		this.manager.framesDropped(evicted, "resume-buffer-overflow");
		if (dropped == -1) {
			return false;
		}
		if (startWriter) {
			drain();
		}
		return true;
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
			startWriter = !this.writing;
		}
		if (startWriter) {
			drain();
		}
	}

	/**
	 * Delivers queued listener callbacks one at a time and in the order their transitions happened, whichever
	 * threads caused them: a drop is never reported after the restore that followed it, nor a connect after the
	 * disconnect.
	 */
	void deliverCallbacks() {
		while (true) {
			Runnable next;
			synchronized (this.lock) {
				if (this.delivering) {
					return;
				}
				next = this.callbacks.poll();
				if (next == null) {
					return;
				}
				this.delivering = true;
			}
			try {
				next.run();
			}
			finally {
				synchronized (this.lock) {
					this.delivering = false;
				}
			}
		}
	}

	/**
	 * Puts a protocol frame at the head of the queue without starting the writer; {@link #drain()} sends it.
	 */
	void queueFirstFrame(String text) {
		synchronized (this.lock) {
			this.buffer.addControlFirst(new OutFrame.Control(text));
		}
	}

	/**
	 * Writes pending frames until the queue is empty or a write completes asynchronously. On a gathering transport
	 * each frame goes into the connection's output buffer and one flush follows the last of them (and comes before
	 * a close frame), so everything that queued up while the previous flush was in flight costs one socket write;
	 * a message found alone in the queue is written at once, one container operation instead of two.
	 */
	void drain() {
		while (true) {
			OutFrame frame;
			Transport target;
			boolean alone = false;
			synchronized (this.lock) {
				target = this.transport;
				if (this.writing || target == null || (this.state == ConnectionState.CLOSED && !this.flushingClose)) {
					return;
				}
				OutFrame next = this.buffer.peek();
				if (this.unflushed && (next == null || next instanceof OutFrame.Close)) {
					frame = OutFrame.Flush.INSTANCE;
					this.unflushed = false;
				}
				else if (next == null) {
					return;
				}
				else {
					frame = this.buffer.poll();
					// a message with nothing before or after it in the buffer is written at once, not gathered
					alone = target.gathers() && !this.unflushed && frame instanceof OutFrame.Message
							&& this.buffer.peek() == null;
					this.unflushed = target.gathers() && !(frame instanceof OutFrame.Close) && !alone;
				}
				this.writing = true;
				this.writeStartedNanos = this.manager.nanoTime();
			}
			if (frame instanceof OutFrame.Close close) {
				this.manager.closeTransport(this, target, close.status);
				return;
			}
			if (!target.gathers() && (frame instanceof OutFrame.Ping || !target.isAsync())) {
				this.manager.execute(() -> writeBlocking(target, frame));
				return;
			}
			Write write = new Write(target, frame);
			if (!target.gathers()) {
				target.sendText(frame.text(), write);
			}
			else if (frame instanceof OutFrame.Message message) {
				if (alone) {
					target.writeText(ByteBuffer.wrap(message.utf8()), write);
				}
				else {
					target.queueText(ByteBuffer.wrap(message.utf8()), write);
				}
			}
			else if (frame instanceof OutFrame.Ping) {
				target.queuePing(this.manager.pingPayload(), write);
			}
			else if (frame instanceof OutFrame.Flush) {
				target.flush(write);
			}
			else {
				target.queueText(ByteBuffer.wrap(frame.text().getBytes(StandardCharsets.UTF_8)), write);
			}
			if (write.state.compareAndSet(Write.STARTED, Write.RETURNED)) {
				return;
			}
			if (!afterWrite(target, frame, write.failure)) {
				return;
			}
		}
	}

	private void writeBlocking(Transport target, OutFrame frame) {
		Throwable failure = null;
		if (frame instanceof OutFrame.Ping) {
			try {
				target.sendPing(this.manager.pingPayload());
			}
			catch (Exception ex) {
				failure = ex;
			}
			if (afterWrite(target, frame, failure)) {
				drain();
			}
			return;
		}
		Write write = new Write(target, frame);
		write.state.set(Write.RETURNED);
		target.sendText(frame.text(), write);
	}

	/**
	 * Bookkeeping after a write; returns whether the writer may go on.
	 */
	private boolean afterWrite(Transport target, OutFrame frame, @Nullable Throwable failure) {
		synchronized (this.lock) {
			if (this.transport != target) {
				return false;
			}
			this.writing = false;
		}
		if (failure != null) {
			this.manager.logWriteFailure(this, failure);
			transportFailed(target, DisconnectReason.TRANSPORT_ERROR, null);
			return false;
		}
		if (frame instanceof OutFrame.Message message) {
			this.manager.messageSent(message);
		}
		return true;
	}

	/**
	 * Completion of one asynchronous write. If it completes before {@code sendText} returns, the writing thread
	 * goes on with the next frame (no recursion); otherwise this callback does.
	 */
	private final class Write implements Consumer<@Nullable Throwable> {

		static final int STARTED = 0;

		static final int RETURNED = 1;

		static final int COMPLETED = 2;

		final AtomicInteger state = new AtomicInteger(STARTED);

		final Transport target;

		final OutFrame frame;

		@Nullable Throwable failure;

		Write(Transport target, OutFrame frame) {
			this.target = target;
			this.frame = frame;
		}

		@Override
		public void accept(@Nullable Throwable failure) {
			this.failure = failure;
			if (this.state.compareAndSet(STARTED, COMPLETED)) {
				return;
			}
			if (afterWrite(this.target, this.frame, failure)) {
				drain();
			}
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

	// ---- transitions

	/**
	 * Ends the session. With {@code flush}, the close frame follows the frames already queued.
	 * @return whether this call ended the session
	 */
	boolean end(DisconnectReason reason, @Nullable CloseStatus status, boolean flush) {
		boolean startWriter = false;
		ConnectionState previous;
		synchronized (this.lock) {
			if (this.state == ConnectionState.CLOSED) {
				return false;
			}
			previous = this.state;
			this.state = ConnectionState.CLOSED;
			this.endReason = reason;
			this.callbacks.add(() -> this.manager.notifyDisconnect(this, reason, status));
			if (!flush) {
				this.buffer.clear();
			}
			if (this.transport != null && status != null) {
				// the close frame goes after the write in flight (a close in the middle of a frame corrupts the
				// stream) and, with flush, after every queued frame; the timer bounds the wait by the write timeout
				this.flushingClose = true;
				this.buffer.addControl(new OutFrame.Close(status));
				// registered before the lock is released, so the writer cannot finish the close first
				this.manager.flushingStarted(this);
				startWriter = !this.writing;
			}
			else {
				this.transport = null;
				this.buffer.clear();
			}
		}
		this.manager.ended(this, previous, reason, status);
		deliverCallbacks();
		if (startWriter) {
			drain();
		}
		return true;
	}

	/**
	 * The transport ended or must be abandoned without a clean close from the client: suspend the session when
	 * resume is enabled, else end it.
	 * @param sendStatus close status to send on the way out, {@code null} if the transport is already closed
	 */
	void transportFailed(Transport failed, DisconnectReason cause, @Nullable CloseStatus sendStatus) {
		boolean suspend;
		synchronized (this.lock) {
			if (this.transport != failed || this.state != ConnectionState.OPEN) {
				return;
			}
			suspend = this.manager.settings().resumeEnabled();
			if (suspend) {
				this.state = ConnectionState.SUSPENDED;
				this.transport = null;
				this.writing = false;
				this.unflushed = false;
				this.pingOutstanding = false;
				this.suspendedAtNanos = this.manager.nanoTime();
				this.callbacks.add(() -> this.manager.notifyDrop(this, cause));
			}
			else if (sendStatus == null) {
				// already closed by the container: nothing to send
				this.transport = null;
			}
		}
		if (!suspend) {
			end(cause, sendStatus, false);
			return;
		}
		if (sendStatus != null) {
			this.manager.closeTransport(this, failed, sendStatus);
		}
		this.manager.suspended(this, cause);
		deliverCallbacks();
	}

	/**
	 * Moves the session onto a new transport, replaying what the client has not received.
	 * @return the replay outcome, or {@code null} if the session cannot be resumed
	 */
	@Nullable Resumption resume(Transport next, long clientLastSeq, String newToken) {
		Transport stale;
		boolean wasOpen;
		int replayed;
		long missed;
		synchronized (this.lock) {
			if (this.state == ConnectionState.CLOSED || clientLastSeq > this.lastSeq) {
				return null;
			}
			stale = this.transport;
			wasOpen = this.state == ConnectionState.OPEN;
			if (wasOpen) {
				// a half-open transport the server had not noticed: report its loss before the restore
				this.callbacks.add(() -> this.manager.notifyDrop(this, DisconnectReason.TRANSPORT_ERROR));
			}
			this.callbacks.add(() -> this.manager.notifyRestore(this));
			this.transport = next;
			this.state = ConnectionState.OPEN;
			this.writing = false;
			this.unflushed = false;
			this.resumeToken = newToken;
			replayed = this.buffer.rewindTo(clientLastSeq);
			missed = (this.lastSeq - clientLastSeq) - replayed;
			this.buffer.addControlFirst(new OutFrame.Control(this.manager.wire().resumed(this.id, newToken, replayed,
					missed)));
			long now = this.manager.nanoTime();
			this.lastInboundNanos = now;
			this.lastPingNanos = now;
			this.pingOutstanding = false;
		}
		return new Resumption(stale, wasOpen, replayed, missed);
	}

	/**
	 * Takes the session off this node for a resume on another: it ends here without a close frame, and its
	 * retained frames, sequence counter and rooms are returned.
	 * @return the detached state, or {@code null} if the session ended or the client claims frames never sent
	 */
	@Nullable Detached handOff(long clientLastSeq) {
		synchronized (this.lock) {
			if (this.state == ConnectionState.CLOSED || clientLastSeq > this.lastSeq) {
				return null;
			}
			ConnectionState previous = this.state;
			Transport stale = this.transport;
			java.util.List<HandoverState.Frame> frames = new java.util.ArrayList<>();
			for (OutFrame.Message message : this.buffer.messages()) {
				frames.add(new HandoverState.Frame(message.seq, message.body.text()));
			}
			this.state = ConnectionState.CLOSED;
			this.transport = null;
			this.writing = false;
			this.unflushed = false;
			this.buffer.clear();
			return new Detached(previous, stale, java.util.List.copyOf(this.rooms), this.lastSeq, frames,
					this.directSends);
		}
	}

	record Detached(ConnectionState previous, @Nullable Transport stale, java.util.List<String> rooms, long lastSeq,
			java.util.List<HandoverState.Frame> frames, long directSends) {
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
				evicted += this.buffer.addMessage(new OutFrame.Message(frame.seq(), EncodedBody.of(frame.body()), now));
			}
			this.lastSeq = seq;
			for (String body : later) {
				evicted += this.buffer.addMessage(new OutFrame.Message(++this.lastSeq, EncodedBody.of(body), now));
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

	record Resumption(@Nullable Transport stale, boolean wasOpen, int replayed, long missed) {
	}

	/**
	 * Periodic check: write timeout, heartbeat, idle timeout and resume expiry. Runs on the timer thread.
	 */
	void tick(long now, Timing timing) {
		long intervalNanos = timing.intervalNanos();
		long timeoutNanos = timing.timeoutNanos();
		long writeTimeoutNanos = timing.writeTimeoutNanos();
		long idleTimeoutNanos = timing.idleTimeoutNanos();
		long windowNanos = timing.windowNanos();
		Transport target;
		Runnable action = null;
		synchronized (this.lock) {
			target = this.transport;
			if (this.state == ConnectionState.SUSPENDED) {
				if (now - this.suspendedAtNanos >= windowNanos) {
					action = () -> end(DisconnectReason.RESUME_EXPIRED, null, false);
				}
			}
			else if (target != null && this.state == ConnectionState.OPEN) {
				if (this.writing && now - this.writeStartedNanos >= writeTimeoutNanos) {
					action = () -> transportFailed(target, DisconnectReason.TRANSPORT_ERROR, CloseCodes.WRITE_TIMEOUT);
				}
				else if (this.pingOutstanding && this.lastInboundNanos - this.pingSentNanos < 0
						&& now - this.pingSentNanos >= timeoutNanos) {
					action = () -> {
						this.manager.heartbeatTimedOut(this);
						transportFailed(target, DisconnectReason.HEARTBEAT_TIMEOUT, CloseCodes.HEARTBEAT_TIMEOUT);
					};
				}
				else if (idleTimeoutNanos > 0 && now - this.lastMessageNanos >= idleTimeoutNanos) {
					action = () -> end(DisconnectReason.IDLE_TIMEOUT, CloseCodes.IDLE_TIMEOUT, true);
				}
				else {
					if (this.pingOutstanding && this.lastInboundNanos - this.pingSentNanos >= 0) {
						this.pingOutstanding = false;
					}
					if (!this.pingOutstanding && now - this.lastPingNanos >= intervalNanos && !this.writing
							&& this.buffer.isEmpty()) {
						this.buffer.addControl(OutFrame.Ping.INSTANCE);
						this.pingOutstanding = true;
						this.pingSentNanos = now;
						this.lastPingNanos = now;
						action = this::drain;
					}
				}
			}
			else if (this.state == ConnectionState.CLOSED && this.flushingClose && target != null && this.writing
					&& now - this.writeStartedNanos >= writeTimeoutNanos) {
				this.transport = null;
				action = () -> this.manager.closeTransport(this, target, CloseCodes.WRITE_TIMEOUT);
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

	void detachTransport(Transport closed) {
		synchronized (this.lock) {
			if (this.transport == closed) {
				this.transport = null;
			}
		}
	}

	@Nullable DisconnectReason endReason() {
		synchronized (this.lock) {
			return this.endReason;
		}
	}

	@Nullable String resumeToken() {
		synchronized (this.lock) {
			return this.resumeToken;
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

	long createdNanos() {
		return this.createdNanos;
	}

	@Override
	public String toString() {
		return "PulseSession[" + this.id + "]";
	}

}
