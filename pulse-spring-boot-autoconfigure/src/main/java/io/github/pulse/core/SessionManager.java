package io.github.pulse.core;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionClosedException;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.InvalidPayloadException;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseCloseStatus;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.PulseReplyException;
import io.github.pulse.PulseRoomAuthorizer;
import io.github.pulse.SendBufferFullException;
import io.github.pulse.PulseServer;
import io.github.pulse.RoomNames;
import io.github.pulse.codec.FrameDecodingException;
import io.github.pulse.codec.InboundFrame;
import io.github.pulse.codec.PulseCodec;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The pulse engine: owns sessions, rooms, resume tokens and the timer, and implements {@link PulseServer}.
 * Transports report to it through the {@code on*} methods; it never blocks a caller on a socket.
 */
public class SessionManager implements PulseServer {

	private static final Log logger = LogFactory.getLog(SessionManager.class);

	/** Most characters of a request's {@code ref}. */
	static final int MAX_REF_LENGTH = 64;

	/** Default of {@link #setMaxRoomsPerConnection}, as {@code pulse.rooms.max-per-connection}. */
	public static final int DEFAULT_MAX_ROOMS_PER_CONNECTION = 100;

	private final PulseSettings settings;

	private final PulseCodec codec;

	private final WireFormat wire;

	private final PulseObserver observer;

	private final LongSupplier nanoClock;

	private final Map<String, PulseSession> sessions = new ConcurrentHashMap<>();

	private final Set<PulseSession> flushing = ConcurrentHashMap.newKeySet();

	/** Sessions that owe their client an acknowledgement of its numbered messages, for the acknowledgement pass. */
	private final ConcurrentLinkedQueue<PulseSession> acksOwed = new ConcurrentLinkedQueue<>();

	private final Rooms rooms = new Rooms();

	/**
	 * Live (open or suspended) sessions by user: a session is in it from {@link #register} until it ends or is
	 * handed over, so it holds at most one entry per live session.
	 */
	private final Rooms users = new Rooms();

	private volatile PulseRoomAuthorizer roomAuthorizer = PulseRoomAuthorizer.DENY_ALL;

	private static final long HISTORY_PURGE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

	private volatile Presence presence = new Presence(List.of());

	private volatile RoomHistory history = new RoomHistory(List.of(), RoomHistory.DEFAULT_SIZE,
			RoomHistory.DEFAULT_MAX_AGE, System::nanoTime);

	/** When the rooms' history was last purged of what is too old. */
	private volatile long historyPurgedNanos;

	/**
	 * How long a session handed over to another node stays counted in the presence of its rooms here: long enough
	 * for the new node's count of it to reach every node first, so that its move is no departure and arrival.
	 */
	static final Duration HANDOVER_PRESENCE_GRACE = Duration.ofSeconds(2);

	/** Sessions handed over to another node and still counted in presence here, in the order they left. */
	private final ConcurrentLinkedQueue<HandedOver> handedOver = new ConcurrentLinkedQueue<>();

	private record HandedOver(PulseSession session, long dueNanos) {
	}

	private volatile int maxRoomsPerConnection = DEFAULT_MAX_ROOMS_PER_CONNECTION;

	private final SessionResumes resumes;

	private final SessionStates states;

	private final PulseSession.Timing timing;

	private final TransportCloser closer;

	private final long startedNanos;

	private final EngineTimer timer;

	private volatile boolean draining;

	private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private volatile @Nullable ClusterBridge cluster;

	/** Threads that start the writes of large broadcasts; {@code null} while stopped or switched off. */
	private volatile @Nullable DeliveryLanes lanes;

	private int laneThreads;

	private int laneMinRecipients;

	/**
	 * Creates an engine. Call {@link #start()} to run its timer.
	 * @param settings the effective settings
	 * @param codec the codec
	 * @param listeners the listeners, in order
	 * @param observer the metrics observer, {@link PulseObserver#NOOP} for none
	 * @param nanoClock source of {@link System#nanoTime()}-like readings, injectable for tests
	 */
	public SessionManager(PulseSettings settings, PulseCodec codec, List<PulseListener> listeners,
			PulseObserver observer, LongSupplier nanoClock) {
		this(settings, codec, fixed(listeners), observer, nanoClock);
	}

	/**
	 * Creates an engine whose listeners are looked up when the first callback is delivered, not when it is built: a
	 * listener may then depend on the engine (inject {@link PulseServer}) without {@code @Lazy}. The supplier is
	 * called once.
	 * @param settings the effective settings
	 * @param codec the codec
	 * @param listeners supplies the listeners, in order
	 * @param observer the metrics observer, {@link PulseObserver#NOOP} for none
	 * @param nanoClock source of {@link System#nanoTime()}-like readings, injectable for tests
	 */
	public SessionManager(PulseSettings settings, PulseCodec codec, Supplier<List<PulseListener>> listeners,
			PulseObserver observer, LongSupplier nanoClock) {
		this.settings = settings;
		this.codec = codec;
		this.wire = new WireFormat(codec, settings);
		this.states = new SessionStates(this, memoized(listeners));
		this.resumes = new SessionResumes(this, settings, this.states, observer);
		this.observer = observer;
		this.nanoClock = nanoClock;
		this.timing = new PulseSession.Timing(settings.heartbeatInterval().toNanos(),
				settings.heartbeatTimeout().toNanos(), settings.writeTimeout().toNanos(),
				(settings.idleTimeout() != null) ? settings.idleTimeout().toNanos() : 0,
				settings.resumeWindow().toNanos());
		this.closer = new TransportCloser(nanoClock, settings.writeTimeout().toNanos());
		this.timer = new EngineTimer(settings);
		this.startedNanos = nanoClock.getAsLong();
	}

	private static Supplier<List<PulseListener>> fixed(List<PulseListener> listeners) {
		List<PulseListener> copy = List.copyOf(listeners);
		return () -> copy;
	}

	private static Supplier<List<PulseListener>> memoized(Supplier<List<PulseListener>> lookup) {
		return new Supplier<>() {

			private volatile @Nullable List<PulseListener> resolved;

			@Override
			public List<PulseListener> get() {
				List<PulseListener> result = this.resolved;
				if (result == null) {
					synchronized (this) {
						result = this.resolved;
						if (result == null) {
							result = List.copyOf(lookup.get());
							this.resolved = result;
						}
					}
				}
				return result;
			}

		};
	}

	/**
	 * Sets the registry of the {@code pulse.message} observation around inbound message handling. Call before
	 * {@link #start()}.
	 * @param observationRegistry the registry; {@link ObservationRegistry#NOOP} (the default) for none
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	/**
	 * Runs the engine's I/O work (close frames, aborts, blocking pings, listener callbacks owed after a hand-over)
	 * on the given executor instead of the engine's own pool. Call before the first connection.
	 * @param executor the executor, or {@code null} for the engine's pool (the default)
	 */
	public void setExecutor(java.util.concurrent.@Nullable Executor executor) {
		this.closer.replaceExecutor(executor);
	}

	/**
	 * Runs the engine's I/O work and its timer on the given executors instead of the engine's own threads. The
	 * engine never shuts them down: it waits for its I/O work under way when it shuts down and cancels its timer
	 * task. Call before {@link #start()}.
	 * @param executors the executors
	 */
	public void setExecutors(PulseExecutors executors) {
		this.closer.replaceExecutor(executors.io());
		this.timer.useScheduler(executors.timer());
	}

	/**
	 * Connects the engine to a cluster: broadcasts, sends and kicks also reach other nodes, and session starts and
	 * ends are reported. Call before the first connection.
	 * @param cluster the bridge, or {@code null} for a single node (the default)
	 */
	public void setClusterBridge(@Nullable ClusterBridge cluster) {
		this.cluster = cluster;
	}

	/**
	 * Decides the joins clients ask for with {@code join} frames. Until one is set every such join is refused
	 * ({@link PulseRoomAuthorizer#DENY_ALL}).
	 * @param authorizer the authorizer
	 */
	public void setRoomAuthorizer(PulseRoomAuthorizer authorizer) {
		this.roomAuthorizer = authorizer;
	}

	/**
	 * Most rooms a connection may be in for a client-side join to succeed: a {@code join} frame of a connection
	 * already in this many rooms, however it joined them, is answered {@code "too many rooms"}. Joins the server
	 * makes are not limited.
	 * @param max the limit, at least 1
	 */
	public void setMaxRoomsPerConnection(int max) {
		if (max < 1) {
			throw new IllegalArgumentException("max must be at least 1");
		}
		this.maxRoomsPerConnection = max;
	}

	/**
	 * Turns presence on for the rooms whose name matches one of the patterns ({@code *} for any characters, as
	 * {@code pulse.rooms.presence}): their members are told when a user's first connection joins and when its last
	 * leaves; on a cluster, the first and last cluster-wide. Call before the first connection.
	 * @param patterns the room-name patterns, empty for no presence (the default)
	 */
	public void setPresence(List<String> patterns) {
		this.presence = new Presence(patterns);
	}

	Presence presence() {
		return this.presence;
	}

	/**
	 * Turns history on for the rooms whose name matches one of the patterns ({@code *} for any characters, as
	 * {@code pulse.rooms.history}): they keep their most recent broadcasts, which a client-side join may ask for.
	 * Call before the first connection.
	 * @param patterns the room-name patterns, empty for no history (the default)
	 * @param size most broadcasts a room keeps, 1 to {@link InboundFrame#MAX_HISTORY}
	 * @param maxAge age beyond which a broadcast is no longer history
	 */
	public void setHistory(List<String> patterns, int size, Duration maxAge) {
		if (size < 1 || size > InboundFrame.MAX_HISTORY) {
			throw new IllegalArgumentException("history size must be from 1 to " + InboundFrame.MAX_HISTORY);
		}
		if (maxAge.isNegative() || maxAge.isZero()) {
			throw new IllegalArgumentException("history max age must be positive");
		}
		this.history = new RoomHistory(patterns, size, maxAge, this::nanoTime);
	}

	/**
	 * The rooms' history.
	 * @return the history, off unless {@link #setHistory} turned it on
	 */
	public RoomHistory history() {
		return this.history;
	}

	/**
	 * The room-name patterns of the rooms with presence.
	 * @return the patterns, empty when presence is off
	 */
	public List<String> presencePatterns() {
		return this.presence.patterns();
	}

	/**
	 * The authorizer of client-side joins.
	 * @return the authorizer
	 */
	public PulseRoomAuthorizer roomAuthorizer() {
		return this.roomAuthorizer;
	}

	/**
	 * The room limit of client-side joins.
	 * @return most rooms a connection may be in for a client-side join to succeed
	 */
	public int maxRoomsPerConnection() {
		return this.maxRoomsPerConnection;
	}

	/**
	 * The cluster bridge.
	 * @return the bridge, or {@code null} on a single node
	 */
	public @Nullable ClusterBridge clusterBridge() {
		return this.cluster;
	}

	/**
	 * Starts the timer that drives heartbeats, timeouts and resume expiry (one task for all connections) and the
	 * acknowledgement of client messages (a task that looks only at the sessions owing one).
	 */
	public void start() {
		this.closer.restart();
		this.draining = false;
		if (this.laneThreads > 0 && this.lanes == null) {
			this.lanes = new DeliveryLanes(this.laneThreads, this.laneMinRecipients);
		}
		this.timer.start(this::tick, this::acknowledgeOwed);
	}

	/**
	 * Starts the writes of a broadcast to at least {@code minRecipients} members of a room on this node on
	 * {@code threads} threads of the engine's own, instead of the broadcasting thread (the application's, or the
	 * cluster inbox's): that thread then only queues the frame for each member. Call before {@link #start()}.
	 * @param threads number of delivery threads; 0 to start every write on the broadcasting thread
	 * @param minRecipients the smallest room (members on this node) whose writes go to the delivery threads
	 */
	public void setDeliveryLanes(int threads, int minRecipients) {
		if (threads < 0 || minRecipients < 1) {
			throw new IllegalArgumentException("threads must be 0 or more and minRecipients 1 or more");
		}
		this.laneThreads = threads;
		this.laneMinRecipients = minRecipients;
	}

	/**
	 * Interval of the timer: a quarter of the shortest timeout, between 10 ms and 1 s.
	 * @return the tick period
	 */
	Duration tickPeriod() {
		return this.timer.period();
	}

	/**
	 * One timer pass over every session, and an acknowledgement pass. Public for tests that drive time by hand.
	 */
	public void tick() {
		long now = nanoTime();
		for (PulseSession session : this.sessions.values()) {
			tick(session, now);
		}
		for (PulseSession session : this.flushing) {
			tick(session, now);
		}
		this.closer.overdue(now).forEach(this::abortTransport);
		this.resumes.purge(now);
		purgeHistory(now);
		for (HandedOver left = this.handedOver.peek(); left != null && now - left.dueNanos() >= 0;
				left = this.handedOver.peek()) {
			if (this.handedOver.remove(left)) {
				leavePresence(left.session());
			}
		}
		acknowledgeOwed();
	}

	/** Every few seconds: the rooms' history forgets what is too old, and a cluster its copy of rooms unused here. */
	private void purgeHistory(long now) {
		RoomHistory history = this.history;
		if (!history.isConfigured() || now - this.historyPurgedNanos < HISTORY_PURGE_NANOS) {
			return;
		}
		this.historyPurgedNanos = now;
		ClusterBridge cluster = this.cluster;
		history.purge(now, (cluster == null) ? (room) -> false : (room) -> localMembers(room) == 0);
	}

	private void tick(PulseSession session, long now) {
		try {
			session.tick(now, this.timing);
		}
		catch (RuntimeException ex) {
			logger.error("Timer check of " + session + " failed", ex);
		}
	}

	/**
	 * The acknowledgement pass: each session that has owed its client an acknowledgement for
	 * {@link PulseSettings#clientAckInterval()} sends it now. Only the sessions that owe one are looked at, so the
	 * pass can run far more often than the timer pass over every session.
	 */
	void acknowledgeOwed() {
		if (this.acksOwed.isEmpty()) {
			return;
		}
		long now = nanoTime();
		List<PulseSession> listed = new ArrayList<>();
		for (PulseSession session = this.acksOwed.poll(); session != null; session = this.acksOwed.poll()) {
			listed.add(session);
		}
		for (PulseSession session : listed) {
			try {
				long acknowledge = session.clientSequence.acknowledgementDue(now);
				if (acknowledge >= 0) {
					session.enqueueControl(ClientSequence.ackFrame(acknowledge));
				}
				else if (acknowledge == ClientSequence.KEEP && session.state() != ConnectionState.CLOSED) {
					this.acksOwed.add(session);
				}
			}
			catch (RuntimeException ex) {
				logger.error("Acknowledgement check of " + session + " failed", ex);
			}
		}
	}

	/**
	 * Closes every session with 1001 "server shutting down" after its queued frames, waiting at most the shutdown
	 * timeout, then closes what is left. Suspended sessions end at once. New handshakes are refused until
	 * {@link #start()} is called again.
	 */
	public void shutdown() {
		this.draining = true;
		for (PulseSession session : this.sessions.values()) {
			this.states.end(session, SessionStates.ANY_EPOCH, DisconnectReason.SERVER_SHUTDOWN,
					CloseCodes.SERVER_SHUTDOWN, true);
		}
		// real time, not the injectable clock: shutdown waits for real sockets
		long deadline = System.nanoTime() + this.settings.shutdownTimeout().toNanos();
		synchronized (this.flushing) {
			while (!this.flushing.isEmpty() && deadline - System.nanoTime() > 0) {
				try {
					this.flushing.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
		}
		for (PulseSession session : List.copyOf(this.flushing)) {
			// still writing what was queued after the shutdown timeout: the peer is not reading, a close frame
			// would not reach it either
			Transport transport;
			synchronized (session.lock) {
				transport = session.transport;
				session.writer.closeAbandoned();
			}
			closeAbandoned(session, transport);
		}
		this.timer.stop();
		for (HandedOver left = this.handedOver.poll(); left != null; left = this.handedOver.poll()) {
			leavePresence(left.session());
		}
		DeliveryLanes stopping = this.lanes;
		this.lanes = null;
		if (stopping != null) {
			stopping.stop(1000);
		}
		this.closer.takeAllLeaving().forEach(this::abortTransport);
		this.closer.shutdown(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), 1000);
	}

	/**
	 * Whether the engine is shutting down and refusing new connections.
	 * @return {@code true} once shutdown began
	 */
	public boolean isDraining() {
		return this.draining;
	}

	// ---- transport events

	/**
	 * A WebSocket was established: resume the requested session or start a new one.
	 * @param transport the new transport
	 * @param decision the connect handler's decision (accepted)
	 * @param principal the handshake principal
	 * @param resumeToken the token the client presented, or {@code null}
	 * @param lastSeq the last sequence number the client received, when resuming
	 * @return the session now attached to the transport, or {@code null} if the transport was closed with 1013
	 * "resume not possible now" (a cluster resume that cannot be decided yet: Redis away, or the owner not
	 * answering)
	 */
	public @Nullable PulseConnection open(Transport transport, ConnectDecision decision, @Nullable Principal principal,
			@Nullable String resumeToken, long lastSeq) {
		return this.resumes.open(transport, decision, principal, resumeToken, lastSeq);
	}

	/**
	 * Whether resumes from this address are refused for now, after too many failed attempts
	 * ({@code pulse.resume.max-failures-per-minute}).
	 * @param address the client address
	 * @return {@code true} if a resume from it would be refused without looking at the token
	 */
	public boolean isResumeBlocked(@Nullable InetAddress address) {
		return this.resumes.isResumeBlocked(address);
	}

	PulseSession openNew(Transport transport, ConnectDecision decision, @Nullable Principal principal,
			@Nullable String resumeFailed) {
		String id = (decision.connectionId() != null) ? decision.connectionId() : UUID.randomUUID().toString();
		String user = decision.userOf(principal);
		PulseSession session = new PulseSession(this, id, principal, user, decision.attributes(), transport,
				ConnectionState.OPEN, nanoTime());
		String token = this.settings.resumeEnabled() ? tokens().issue(session) : null;
		session.resumeToken(token);
		if (token != null) {
			this.resumes.tokenIssued(session, token);
		}
		this.states.opened(session);
		// the welcome heads the queue, but is written only once the session is in its rooms: a client that acts on
		// the welcome must not miss a broadcast to a room the welcome lists
		session.queueFirstFrame(this.wire.welcome(id, user, decision.rooms(), transport.subprotocol(), token,
				resumeFailed));
		register(session);
		for (String room : decision.rooms()) {
			try {
				session.join(room);
			}
			catch (ConnectionClosedException ex) {
				// ended as soon as it was registered (kicked by another thread, or by a listener of the session it
				// replaced): its end is delivered, the caller still gets the session, now closed
				break;
			}
		}
		session.writer.drain();
		ClusterBridge cluster = this.cluster;
		if (cluster != null) {
			cluster.sessionStarted(id);
		}
		this.observer.sessionOpened();
		if (logger.isDebugEnabled()) {
			logger.debug("Opened " + session + " from " + transport.remoteAddress() + " in " + decision.rooms());
		}
		this.states.deliver(session);
		return session;
	}

	/**
	 * SHA-256 of a well-formed token's secret half: what the cluster stores to check a token after its node died,
	 * without storing the secret.
	 * @param token the token
	 * @return the digest
	 */
	public static byte[] secretDigest(String token) {
		try {
			return java.security.MessageDigest.getInstance("SHA-256").digest(ResumeTokens.secret(token));
		}
		catch (java.security.NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Whether a string has the form of a resume token.
	 * @param token the candidate
	 * @return {@code true} if well-formed
	 */
	public static boolean isWellFormedToken(String token) {
		return ResumeTokens.isWellFormed(token);
	}

	/**
	 * A consistent view of a session of this node for the cluster's snapshot: sequence counter, counted direct
	 * sends, rooms and transferable attributes.
	 * @param connection a session of this node
	 * @return the view
	 */
	public SessionSnapshot snapshot(PulseConnection connection) {
		PulseSession session = (PulseSession) connection;
		return session.snapshot(transferableAttributes(session));
	}

	static Map<String, Object> transferableAttributes(PulseSession session) {
		Map<String, Object> attributes = new java.util.LinkedHashMap<>();
		session.attributes().forEach((name, value) -> {
			if (value instanceof String || value instanceof Boolean || value instanceof Integer
					|| value instanceof Long || value instanceof Double) {
				attributes.put(name, value);
			}
		});
		return attributes;
	}

	/**
	 * Number of members of a room on this node.
	 * @param room the room
	 * @return its local member count
	 */
	public int localMembers(String room) {
		Set<PulseSession> members = this.rooms.members(room);
		return (members != null) ? members.size() : 0;
	}

	// ---- cross-node resume

	/**
	 * Hands a session of this node over to another node where its client is resuming: claims the token (single
	 * use, secret compared in constant time), checks the identity as a local resume would, and ends the local copy
	 * without a close frame and without {@code onDisconnect} (listeners see {@code onTransportDrop} if the
	 * transport was still open).
	 * @param token the token the client presented
	 * @param principalName the resuming handshake's principal name
	 * @param connectionId the connection id the connect handler named on the resuming node, if any
	 * @param lastSeq the last sequence number the client received
	 * @return the state to rebuild the session from, or {@code null} if the token or identity does not match
	 */
	public @Nullable HandoverState handOver(String token, @Nullable String principalName,
			@Nullable String connectionId, long lastSeq) {
		return this.resumes.handOver(token, principalName, connectionId, lastSeq);
	}

	/**
	 * Why a token presented to another node cannot resume here.
	 * @param token the token
	 * @return {@code "expired"} if it belonged to a session whose window elapsed, else {@code "unknown"}
	 */
	public String resumeFailure(String token) {
		return this.resumes.resumeFailure(token);
	}

	/**
	 * Rebuilds a session handed over by another node, without a transport yet: its frames are the handed-over ones,
	 * then {@code later} (broadcasts to its rooms the old node did not deliver), then live frames, since it joins
	 * its rooms here. The caller must make this atomic with the delivery of broadcasts, then call
	 * {@link #attachAdopted}.
	 * @param state the handed-over state
	 * @param later encoded bodies of broadcasts the old node did not deliver, in order
	 * @param decision the connect handler's decision on this node
	 * @param principal the handshake principal on this node
	 * @return the session, suspended until it is attached to a transport
	 */
	public PulseConnection adopt(HandoverState state, List<String> later, ConnectDecision decision,
			@Nullable Principal principal) {
		return this.resumes.adopt(state, later, decision, principal);
	}

	/**
	 * Attaches a session from {@link #adopt} to the transport its client resumed on, with a new resume token, and
	 * replays what the client has not received.
	 * @param adopted the adopted session
	 * @param transport the new transport
	 * @param lastSeq the last sequence number the client received
	 * @return the session
	 */
	public PulseConnection attachAdopted(PulseConnection adopted, Transport transport, long lastSeq) {
		return this.resumes.attachAdopted(adopted, transport, lastSeq);
	}

	/**
	 * A complete text message arrived.
	 * @param connection the session the transport belongs to
	 * @param transport the transport it arrived on
	 * @param text the message
	 * @param bytes its size in UTF-8 bytes
	 */
	public void onText(PulseConnection connection, Transport transport, String text, int bytes) {
		PulseSession session = (PulseSession) connection;
		long now = nanoTime();
		if (!session.isCurrent(transport) || session.state() == ConnectionState.CLOSED) {
			// frames that arrive while the close frame is on its way are not the application's business
			return;
		}
		session.inboundActivity(now);
		if (session.tokenUnconfirmed) {
			// a frame on the new transport: the client read the resumed frame and holds the new token
			this.states.tokenConfirmed(session, transport);
		}
		if (this.settings.inboundRateLimited() && !session.allowInbound(this.settings, now)) {
			rejectFrame(session, transport, "rate-limit", CloseCodes.RATE_LIMITED);
			return;
		}
		InboundFrame frame;
		try {
			frame = this.codec.decode(text);
		}
		catch (FrameDecodingException ex) {
			rejectFrame(session, transport, "malformed", CloseCodes.invalidFrame(ex.getMessage()));
			return;
		}
		switch (frame.type()) {
			case InboundFrame.MESSAGE -> {
				String invalid = invalidRequestFields(frame);
				if (invalid != null) {
					rejectFrame(session, transport, "malformed", CloseCodes.invalidFrame(invalid));
					return;
				}
				if (frame.cseq() > 0) {
					onSequencedMessage(session, transport, frame, bytes, now);
				}
				else {
					onMessage(session, frame, bytes, now);
				}
			}
			case InboundFrame.JOIN -> onJoin(session, transport, frame);
			case InboundFrame.LEAVE -> onLeave(session, transport, frame);
			case InboundFrame.PING -> session.enqueueControl(WireFormat.PONG);
			case InboundFrame.ACK -> {
				if (!session.ack(frame.seq())) {
					rejectFrame(session, transport, "malformed", CloseCodes.invalidFrame("ack seq beyond last sent"));
				}
			}
			default -> {
				this.observer.frameRejected("unknown-type");
				if (logger.isDebugEnabled()) {
					logger.debug("Ignored a frame of unknown type from " + session);
				}
			}
		}
	}

	/**
	 * A client asks to join a room: answered {@code joined}, which comes before the room's first broadcast and
	 * reaches the client only once the session is in the room, or {@code joinFailed} with the reason; a session
	 * already in the room is answered {@code joined} without asking the authorizer. A join that asks for the room's
	 * history gets it right after the answer, which says how many frames of it follow: under the lock that orders
	 * the room's deliveries, so that the history ends where the live frames begin.
	 */
	private void onJoin(PulseSession session, Transport transport, InboundFrame frame) {
		String ref = checkedRef(session, transport, frame);
		if (ref == null) {
			return;
		}
		String room = frame.room();
		String refusal = joinRefusal(session, room);
		if (refusal != null) {
			answerRoomRequest(session, this.wire.roomAnswerBody("joinFailed", room, ref, refusal));
			return;
		}
		int asked = frame.history();
		RoomHistory history = this.history;
		if (asked == 0) {
			joinAnswered(session, room, ref, null);
			return;
		}
		if (!history.isOn(room)) {
			// asked for what the room does not keep: told that none follows
			joinAnswered(session, room, ref, List.of());
			return;
		}
		java.util.function.BooleanSupplier join = () -> history.locked(room, (state) -> {
			joinAnsweredLocally(session, room, ref, historyFrames(state, asked));
			return true;
		});
		ClusterBridge cluster = this.cluster;
		if (cluster == null) {
			join.getAsBoolean();
		}
		else {
			// the cluster runs it once its copy of the room's history is read, under its delivery lock
			cluster.joinInHistoryOrder(session, room, join);
		}
	}

	/** The frames of history a join asked for (a session in the room already gets none: see enqueueAnswer). */
	private List<EncodedBody> historyFrames(RoomHistory.Room state, int asked) {
		List<RoomHistory.Frame> recent = state.recent(asked, nanoTime());
		List<EncodedBody> frames = new ArrayList<>(recent.size());
		recent.forEach((frame) -> frames.add(frame.asHistory()));
		return frames;
	}

	/**
	 * Joins a session to a room for its own request and answers it.
	 * @param history the frames of history to send after the answer, {@code null} if the request asked for none
	 */
	private void joinAnswered(PulseSession session, String room, String ref, @Nullable List<EncodedBody> history) {
		ClusterBridge cluster = this.cluster;
		if (cluster == null) {
			joinAnsweredLocally(session, room, ref, history);
		}
		else {
			cluster.changeMembership(session, room, true, () -> {
				joinAnsweredLocally(session, room, ref, history);
				return true;
			});
		}
	}

	/**
	 * Joins a session to a room on this node for its own request and answers it (the cluster, if any, records the
	 * membership around it).
	 */
	private void joinAnsweredLocally(PulseSession session, String room, String ref,
			@Nullable List<EncodedBody> history) {
		try {
			// the answer is queued first, so that every broadcast to the room comes after it, and held until the
			// session is in the room, so that a client that read it is a member (for a broadcast anyone makes after)
			Runnable release = session.holdWrites();
			try {
				if (this.presence.isOn(room)) {
					// with or without a user: the view in the answer and the session's membership go together
					joinPresent(session, room, (view) -> this.wire.joinedBody(room, ref, view), history);
					return;
				}
				synchronized (session.lock) {
					if (session.state() == ConnectionState.CLOSED) {
						throw new ConnectionClosedException(session.id());
					}
					enqueueAnswer(session, this.wire.roomAnswerBody("joined", room, ref, null), history,
							session.roomSet().contains(room), countDirectSend(session));
					session.joinLocal(room);
				}
			}
			finally {
				release.run();
			}
		}
		catch (ConnectionClosedException ex) {
			// ended meanwhile: nobody to be in the room
		}
		catch (SendBufferFullException ex) {
			// not joined: the client's own request goes unanswered, as a reply would
			this.observer.frameDropped("send-buffer-overflow");
			logger.warn("Answer to a room request of " + session + " dropped: " + ex.getMessage());
		}
	}

	/**
	 * Queues a room's {@code joined} answer, and after it the frames of history that fit, which it announces; call
	 * holding the session's lock. Each frame of history is a direct send: counted, as sendDirect does, for a resume
	 * after this node's death.
	 * @param history the history, {@code null} if the request asked for none
	 * @param member whether the session is in the room already: then it gets none (it had the frames live)
	 * @param counted whether the cluster counted the answer as a direct send
	 * @throws SendBufferFullException if the answer does not fit (nothing was queued)
	 */
	private void enqueueAnswer(PulseSession session, EncodedBody answer, @Nullable List<EncodedBody> history,
			boolean member, boolean counted) {
		if (history == null) {
			session.enqueue(answer, false, counted);
			return;
		}
		List<EncodedBody> fitting = session.fitting(answer, member ? List.of() : history);
		session.enqueue(this.wire.withHistoryCount(answer, fitting.size()), false, counted);
		for (EncodedBody frame : fitting) {
			sendDirect(session, frame);
		}
	}

	/**
	 * A session joins a room with presence. Under the room's presence lock and the session's lock, it becomes a
	 * member, is counted if it has a user, and (for a client-side join) gets its {@code joined} answer with the view that
	 * includes it, so that no broadcast or presence frame of the room comes between its answer and its membership;
	 * then, still under the room's lock, the other members are told if it is the user's first connection in the room.
	 * @param answer makes the answer from the view, {@code null} for a join the server makes
	 * @return whether the session was not in the room before
	 * @throws ConnectionClosedException if the session ended
	 * @throws SendBufferFullException if the answer does not fit (the session did not join)
	 */
	boolean joinPresent(PulseSession session, String room,
			java.util.function.@Nullable Function<List<Map.Entry<String, Integer>>, EncodedBody> answer) {
		return joinPresent(session, room, answer, null);
	}

	/**
	 * A session joins a room with presence, as {@link #joinPresent(PulseSession, String, java.util.function.Function)}
	 * does, and gets frames of the room's history right after its answer.
	 * @param history the history, {@code null} if the request asked for none
	 */
	private boolean joinPresent(PulseSession session, String room,
			java.util.function.@Nullable Function<List<Map.Entry<String, Integer>>, EncodedBody> answer,
			@Nullable List<EncodedBody> history) {
		String user = session.user();
		// the answer is a direct send: counted, as sendDirect does, for a resume after this node's death
		boolean counted = answer != null && countDirectSend(session);
		return this.presence.change(room, (present) -> {
			boolean first;
			synchronized (session.lock) {
				if (session.state() == ConnectionState.CLOSED) {
					throw new ConnectionClosedException(session.id());
				}
				boolean member = session.roomSet().contains(room);
				if (answer != null) {
					enqueueAnswer(session, answer.apply(present.entries(member ? null : user)), history, member,
							counted);
				}
				if (member) {
					return false;
				}
				session.roomSet().add(room);
				this.rooms.add(room, session);
				if (user == null) {
					// a member that sees presence, not in it
					return true;
				}
				session.addPresence(room);
				first = present.add(user);
			}
			tellCluster(room, user, present);
			if (first) {
				deliverPresence(room, this.wire.presenceBody(room, "joined", user), session);
			}
			return true;
		});
	}

	/**
	 * A session with a user leaves a room with presence: under the room's presence lock it stops being a member and
	 * being counted, and the members are told if it was the user's last connection in the room.
	 * @return whether it was in the room
	 */
	boolean leavePresent(PulseSession session, String room) {
		String user = java.util.Objects.requireNonNull(session.user());
		return this.presence.change(room, (present) -> {
			synchronized (session.lock) {
				if (!session.roomSet().remove(room)) {
					return false;
				}
				this.rooms.remove(room, session);
			}
			uncount(session, room, user, present);
			return true;
		});
	}

	/**
	 * A session that ended or was handed over stops being counted in the presence of its rooms (it has left their
	 * registries already).
	 */
	private void leavePresence(PulseSession session) {
		String user = session.user();
		if (user == null) {
			return;
		}
		for (String room : session.presentIn()) {
			this.presence.change(room, (present) -> uncount(session, room, user, present));
		}
	}

	/** Under the room's presence lock. */
	private boolean uncount(PulseSession session, String room, String user, Presence.RoomPresence present) {
		// counted at most once per join: a leave and the session's end may both get here
		if (!session.removePresence(room)) {
			return false;
		}
		boolean last = present.remove(user);
		tellCluster(room, user, present);
		if (last) {
			deliverPresence(room, this.wire.presenceBody(room, "left", user), session);
		}
		return true;
	}

	/** Under the room's presence lock, so that the other nodes learn this node's counts in the order they changed. */
	private void tellCluster(String room, String user, Presence.RoomPresence present) {
		ClusterBridge cluster = this.cluster;
		if (cluster != null) {
			cluster.presenceChanged(room, user, present.local(user));
		}
	}

	/**
	 * Another node says how many connections a user has in a room with presence there now; for the cluster's inbox
	 * thread. The members on this node are told if the user arrived or left, cluster-wide.
	 * @param node the other node
	 * @param room the room
	 * @param user the user
	 * @param count its connections in the room on that node, 0 for none
	 */
	public void remotePresence(String node, String room, String user, int count) {
		this.presence.change(room, (present) -> {
			applyRemote(present, node, room, user, count);
			return null;
		});
	}

	/**
	 * Forgets what another node told of its presence (it died, or is about to tell it all again); for the cluster's
	 * threads. The members on this node are told of the users that leave with it.
	 * @param node the other node
	 */
	public void forgetRemotePresence(String node) {
		replaceRemotePresence(node, Map.of());
	}

	/**
	 * Replaces what another node told of its presence with all its counts now; for the cluster's inbox thread. The
	 * members on this node are told of the net changes only: a user present before and after is no news.
	 * @param node the other node
	 * @param counts its connections per room and user, none of them 0
	 */
	public void replaceRemotePresence(String node, Map<String, Map<String, Integer>> counts) {
		Set<String> rooms = new java.util.HashSet<>(this.presence.rooms());
		rooms.addAll(counts.keySet());
		for (String room : rooms) {
			Map<String, Integer> users = counts.getOrDefault(room, Map.of());
			this.presence.change(room, (present) -> {
				for (String user : present.remoteUsers(node)) {
					if (!users.containsKey(user)) {
						applyRemote(present, node, room, user, 0);
					}
				}
				users.forEach((user, count) -> applyRemote(present, node, room, user, count));
				return null;
			});
		}
	}

	/**
	 * The other nodes this node holds presence of.
	 * @return their ids, a snapshot
	 */
	public Set<String> remotePresenceNodes() {
		Set<String> nodes = new java.util.HashSet<>();
		for (String room : this.presence.rooms()) {
			this.presence.change(room, (present) -> nodes.addAll(present.remoteNodes()));
		}
		return nodes;
	}

	/**
	 * Hands this node's presence counts to {@code sink}, each room under its presence lock, so that a count changed
	 * meanwhile reaches the sink (through {@link ClusterBridge#presenceChanged}) after the room's counts.
	 * @param sink takes room, user and count; must not block
	 */
	public void localPresence(PresenceSink sink) {
		for (String room : this.presence.rooms()) {
			this.presence.change(room, (present) -> {
				present.local().forEach((user, count) -> sink.count(room, user, count));
				return null;
			});
		}
	}

	private void applyRemote(Presence.RoomPresence present, String node, String room, String user, int count) {
		int change = present.setRemote(node, user, count);
		if (change != 0) {
			deliverPresence(room, this.wire.presenceBody(room, (change > 0) ? "joined" : "left", user), null);
		}
	}

	/**
	 * Queues a presence frame for the members of a room, except the connection that caused it; under the room's
	 * presence lock, so that the members get a room's presence frames in the order its counts changed. A member
	 * whose buffer it overflows is ended on the engine's executor, not on this thread (which holds the lock). On a
	 * cluster each is counted like a direct send (it is no broadcast of the room's streams), so that a resume after
	 * this node's death accounts for it.
	 */
	private void deliverPresence(String room, EncodedBody body, @Nullable PulseSession cause) {
		Set<PulseSession> members = this.rooms.members(room);
		if (members == null) {
			return;
		}
		ClusterBridge cluster = this.cluster;
		for (PulseSession member : members) {
			if (member != cause) {
				boolean counted = cluster != null && cluster.countDirectSend(member.id());
				member.enqueue(body, true, counted, true, null);
			}
		}
	}

	/**
	 * Why a client-side join is refused: {@code null} if it is not. The authorizer is asked before the limit, so that
	 * a client learns of the limit only for a room it may join.
	 */
	private @Nullable String joinRefusal(PulseSession session, String room) {
		if (!RoomNames.isValid(room)) {
			return "invalid room";
		}
		Set<String> joined = session.roomSet();
		if (joined.contains(room)) {
			return null;
		}
		if (!mayJoin(session, room)) {
			return "forbidden";
		}
		return (joined.size() >= this.maxRoomsPerConnection) ? "too many rooms" : null;
	}

	private boolean mayJoin(PulseSession session, String room) {
		try {
			return this.roomAuthorizer.mayJoin(session, room);
		}
		catch (RuntimeException ex) {
			this.observer.handlerError();
			logger.warn("Room authorizer failed on a join of '" + room + "' by " + session + "; refusing it",
					RedactedFailure.of(ex));
			return false;
		}
	}

	/**
	 * A client asks to leave a room: the session leaves it, and is answered {@code left}, also when it was not in
	 * the room (after the answer it is not, which is what it asked for; a leave racing one the server made must not
	 * cost the client its session). A name that cannot be a room closes with 1007.
	 */
	private void onLeave(PulseSession session, Transport transport, InboundFrame frame) {
		String ref = checkedRef(session, transport, frame);
		if (ref == null) {
			return;
		}
		String room = frame.room();
		if (!RoomNames.isValid(room)) {
			rejectFrame(session, transport, "malformed", CloseCodes.invalidFrame("room must match [A-Za-z0-9._:-]{1,128}"));
			return;
		}
		Runnable leave = () -> {
			session.leave(room);
			answerRoomRequest(session, this.wire.roomAnswerBody("left", room, ref, null));
		};
		if (this.cluster != null && this.history.afterRead(room, leave)) {
			// behind the client's join of the room that waits for the room's history
			return;
		}
		leave.run();
	}

	/**
	 * The {@code ref} of a join or leave, which it must have, as it must have a room (the default codecs refuse a
	 * frame without one, a codec of the application may not); {@code null} after closing the session with 1007.
	 */
	private @Nullable String checkedRef(PulseSession session, Transport transport, InboundFrame frame) {
		String ref = frame.ref();
		String invalid = (frame.room() == null) ? "missing room" : (ref == null) ? "missing ref"
				: (ref.isEmpty() || ref.length() > MAX_REF_LENGTH) ? "ref must be 1 to " + MAX_REF_LENGTH + " characters"
						: null;
		if (invalid != null) {
			rejectFrame(session, transport, "malformed", CloseCodes.invalidFrame(invalid));
			return null;
		}
		return ref;
	}

	/**
	 * Queues the answer to a join or leave, numbered like a reply; {@code false} if it could not be queued.
	 */
	private boolean answerRoomRequest(PulseSession session, EncodedBody answer) {
		try {
			sendDirect(session, answer);
			return true;
		}
		catch (ConnectionClosedException ex) {
			return false;
		}
		catch (SendBufferFullException ex) {
			// the client's own request goes unanswered, as a reply would: its future times out
			this.observer.frameDropped("send-buffer-overflow");
			logger.warn("Answer to a room request of " + session + " dropped: " + ex.getMessage());
			return false;
		}
	}

	/**
	 * What is wrong with the request fields of a message frame, which the codec reads but does not judge.
	 */
	static @Nullable String invalidRequestFields(InboundFrame frame) {
		String ref = frame.ref();
		if (ref != null && (ref.isEmpty() || ref.length() > MAX_REF_LENGTH)) {
			return "ref must be 1 to " + MAX_REF_LENGTH + " characters";
		}
		if (frame.cseq() == 0) {
			return "cseq must be positive";
		}
		return null;
	}

	/**
	 * A message with a client sequence number: handled once, in order, however often the client re-sends it.
	 */
	private void onSequencedMessage(PulseSession session, Transport transport, InboundFrame frame, int bytes,
			long now) {
		ClientSequence sequence = session.clientSequence;
		long acknowledge;
		sequence.order.lock();
		try {
			ClientSequence.Verdict verdict;
			synchronized (session.lock) {
				if (!session.isCurrent(transport) || session.state() == ConnectionState.CLOSED) {
					// handed over to another node (or ended) since it arrived: the client sends it again there
					return;
				}
				verdict = sequence.accept(frame.cseq());
			}
			switch (verdict) {
				case GAP -> {
					rejectFrame(session, transport, "malformed",
							CloseCodes.invalidFrame("cseq must follow the last one (" + sequence.lastProcessed() + ")"));
					return;
				}
				case DUPLICATE -> {
					this.observer.duplicateDropped();
					if (logger.isDebugEnabled()) {
						logger.debug("Dropped message " + frame.cseq() + " of " + session + ": processed before");
					}
				}
				case PROCESS -> onMessage(session, frame, bytes, now);
			}
			acknowledge = sequence.processed(nanoTime());
			if (sequence.listIfOwed()) {
				this.acksOwed.add(session);
			}
		}
		finally {
			sequence.order.unlock();
		}
		if (acknowledge >= 0) {
			session.enqueueControl(ClientSequence.ackFrame(acknowledge));
		}
	}

	private void onMessage(PulseSession session, InboundFrame frame, int bytes, long now) {
		session.messageActivity(now);
		this.observer.messageReceived(bytes);
		PulseMessage message = new PulseMessage(frame.event(), frame.payload(), this.codec::convert, frame.ref());
		if (this.observationRegistry.isNoop()) {
			dispatch(session, message);
			return;
		}
		// listeners run in the observation's scope so that their own spans become its children
		Observation observation = PulseObservationDocumentation.MESSAGE.start(this.observationRegistry);
		try (Observation.Scope scope = observation.openScope()) {
			RuntimeException failure = dispatch(session, message);
			observation.lowCardinalityKeyValue((failure != null) ? PulseObservationDocumentation.OUTCOME_ERROR
					: PulseObservationDocumentation.OUTCOME_SUCCESS);
			if (failure != null) {
				observation.error(failure);
			}
		}
		finally {
			observation.stop();
		}
	}

	/**
	 * Runs the listeners; a request is answered once they have, with the reply they set or the error one threw.
	 */
	private @Nullable RuntimeException dispatch(PulseSession session, PulseMessage message) {
		String ref = message.ref();
		RuntimeException failure = runListeners(session, message);
		if (ref == null || session.state() == ConnectionState.CLOSED) {
			return failure;
		}
		EncodedBody reply;
		if (failure instanceof PulseReplyException error) {
			reply = this.wire.replyErrorBody(ref, error.code(), String.valueOf(error.getMessage()));
		}
		else if (failure != null) {
			reply = this.wire.replyErrorBody(ref, "internal", "internal error");
		}
		else {
			try {
				reply = this.wire.replyBody(ref, message.replyValue());
			}
			catch (IllegalArgumentException ex) {
				logger.warn("Reply to '" + message.event() + "' of " + session + " cannot be encoded", ex);
				this.observer.handlerError();
				failure = ex;
				reply = this.wire.replyErrorBody(ref, "internal", "internal error");
			}
		}
		try {
			sendDirect(session, reply);
		}
		catch (ConnectionClosedException ex) {
			// ended meanwhile: nobody to answer
		}
		catch (SendBufferFullException ex) {
			this.observer.frameDropped("send-buffer-overflow");
			logger.warn("Reply to '" + message.event() + "' of " + session + " dropped: " + ex.getMessage());
		}
		return failure;
	}

	private @Nullable RuntimeException runListeners(PulseSession session, PulseMessage message) {
		for (PulseListener listener : this.states.listeners()) {
			try {
				listener.onMessage(session, message);
			}
			catch (PulseReplyException ex) {
				// the application's own answer, not a fault: the connection stays open
				if (logger.isDebugEnabled()) {
					logger.debug("Listener answered '" + message.event() + "' of " + session + " with error "
							+ ex.code() + (message.isRequest() ? "" : " (not a request: nobody to tell)"));
				}
				return ex;
			}
			catch (InvalidPayloadException ex) {
				this.observer.frameRejected("malformed");
				if (logger.isDebugEnabled()) {
					logger.debug("Closing " + session + " with 1007: " + ex.getMessage());
				}
				this.states.end(session, SessionStates.ANY_EPOCH, DisconnectReason.PROTOCOL_ERROR,
						CloseCodes.invalidFrame(ex.getMessage()), false);
				return ex;
			}
			catch (RuntimeException ex) {
				this.observer.handlerError();
				if (message.isRequest()) {
					// the request is answered with a generic error; the session goes on
					logger.warn("Listener failed on request '" + message.event() + "' of " + session
							+ "; answering it with error internal", RedactedFailure.of(ex));
					return ex;
				}
				logger.warn("Listener failed on event '" + message.event() + "' of " + session
						+ "; closing it with 1011", RedactedFailure.of(ex));
				this.states.end(session, SessionStates.ANY_EPOCH, DisconnectReason.HANDLER_ERROR,
						CloseCodes.HANDLER_ERROR, true);
				return ex;
			}
		}
		return null;
	}

	/**
	 * A pong arrived.
	 * @param connection the session
	 * @param transport the transport
	 */
	public void onPong(PulseConnection connection, Transport transport) {
		PulseSession session = (PulseSession) connection;
		if (session.isCurrent(transport)) {
			session.pong(nanoTime());
		}
	}

	/**
	 * Some inbound frame arrived (a partial message or a ping): the transport is alive.
	 * @param connection the session
	 */
	public void onActivity(PulseConnection connection) {
		((PulseSession) connection).inboundActivity(nanoTime());
	}

	/**
	 * The client broke the protocol in a way the transport detected: end the session with the given status.
	 * @param connection the session
	 * @param transport the transport
	 * @param cause the meter cause: {@code binary}, {@code too-big} or {@code rate-limit}
	 * @param status the close status to send
	 */
	public void rejectFrame(PulseConnection connection, Transport transport, String cause, PulseCloseStatus status) {
		PulseSession session = (PulseSession) connection;
		this.observer.frameRejected(cause);
		if (this.states.end(session, transport, DisconnectReason.PROTOCOL_ERROR, status, false)
				&& logger.isDebugEnabled()) {
			logger.debug("Closed " + session + " with " + status);
		}
	}

	/**
	 * Drops the transport of an open session without a close frame, as a network failure would: the session is
	 * suspended at once (or ended when resume is disabled) and the socket is aborted before this method returns.
	 * For trying resume in tests and demos only; see {@code pulse.debug.allow-drop}.
	 * <p>
	 * The abort runs on the caller's thread, not on the I/O executor: asked from a message listener ({@code
	 * pulse.drop}), that is the container thread still reading this connection, so the socket is gone before that
	 * thread reads again and nothing else works on the socket while it closes. Aborted from the I/O executor, at the
	 * same time as the container thread, a client was seen (rarely, under load) to get a close frame 1002 with no
	 * reason instead of a dropped connection: what Tomcat sends when its own read or write of a connection fails
	 * (it answers 1006 with 1002), so its error path had reached the socket before the abort closed it.
	 * @param connectionId the connection id
	 * @return {@code true} if an open transport was dropped
	 */
	public boolean dropTransport(String connectionId) {
		PulseSession session = this.sessions.get(connectionId);
		Transport transport = (session != null) ? session.transport() : null;
		if (transport == null) {
			return false;
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Dropping the transport of " + session + " without a close frame, as requested");
		}
		this.states.suspend(session, transport, DisconnectReason.TRANSPORT_ERROR, null);
		transport.abort();
		return true;
	}

	/**
	 * The transport reported an I/O error.
	 * @param connection the session
	 * @param transport the transport
	 */
	public void onTransportError(PulseConnection connection, Transport transport) {
		this.states.suspend((PulseSession) connection, transport, DisconnectReason.TRANSPORT_ERROR, null);
	}

	/**
	 * The transport closed. A close frame from the client ends the session; an abnormal end (1006) suspends it. A
	 * close with 1002 or 1007 ends it as a protocol error.
	 * @param connection the session
	 * @param transport the transport
	 * @param status the status the container reported
	 */
	public void onTransportClosed(PulseConnection connection, Transport transport, PulseCloseStatus status) {
		PulseSession session = (PulseSession) connection;
		if (status.code() == PulseCloseStatus.NO_CLOSE_FRAME.code()) {
			this.states.suspend(session, transport, DisconnectReason.TRANSPORT_ERROR, null);
			return;
		}
		if (isProtocolViolation(status)) {
			// the container closed with this status after the client broke the WebSocket protocol (1002) or sent
			// text that is not UTF-8 (1007); a client may also say so itself, which is no less a broken session
			if (session.isCurrent(transport) && session.state() == ConnectionState.OPEN) {
				this.observer.frameRejected("malformed");
			}
			this.states.closedByPeer(session, transport, DisconnectReason.PROTOCOL_ERROR, status);
			return;
		}
		this.states.closedByPeer(session, transport, DisconnectReason.NORMAL, status);
	}

	private static boolean isProtocolViolation(PulseCloseStatus status) {
		return status.code() == PulseCloseStatus.PROTOCOL_ERROR.code()
				|| status.code() == PulseCloseStatus.BAD_DATA.code();
	}

	// ---- the registry

	/**
	 * Makes a session the one with its id; a session that had the id is replaced (4001).
	 */
	void register(PulseSession session) {
		PulseSession replaced = this.sessions.put(session.id(), session);
		String user = session.user();
		if (user != null) {
			this.users.add(user, session);
		}
		if (replaced != null) {
			this.states.end(replaced, SessionStates.ANY_EPOCH, DisconnectReason.REPLACED, CloseCodes.REPLACED, false);
		}
	}

	/**
	 * Takes a session handed over to another node out of the registry and its rooms; a newer session with the same
	 * id is left alone.
	 */
	void unregister(PulseSession session, Collection<String> rooms) {
		if (this.sessions.remove(session.id(), session)) {
			ClusterBridge cluster = this.cluster;
			if (cluster != null) {
				cluster.sessionEnded(session.id());
			}
		}
		forgetUser(session);
		for (String room : rooms) {
			this.rooms.remove(room, session);
		}
		if (session.presentIn().isEmpty()) {
			return;
		}
		// still counted here for a while: the new node tells of it first (see HANDOVER_PRESENCE_GRACE)
		this.handedOver.add(new HandedOver(session, nanoTime() + HANDOVER_PRESENCE_GRACE.toNanos()));
	}

	private void forgetUser(PulseSession session) {
		String user = session.user();
		if (user != null) {
			this.users.remove(user, session);
		}
	}

	// ---- effects of transitions, called by the state machine after it released the session's lock

	void closingStarted(PulseSession session) {
		this.flushing.add(session);
	}

	/**
	 * A closing session's close frame was handed to its transport, or the close was abandoned: it leaves the
	 * flushing set.
	 */
	/**
	 * A closing session's close can never go: it leaves the flushing set and its transport, if it still had one, is
	 * dropped (its peer is not reading, or it is gone already).
	 */
	void closeAbandoned(PulseSession session, @Nullable Transport transport) {
		closingEnded(session);
		if (transport != null) {
			abortTransport(transport);
		}
	}

	void closingEnded(PulseSession session) {
		if (this.flushing.remove(session)) {
			synchronized (this.flushing) {
				this.flushing.notifyAll();
			}
		}
	}

	void ended(PulseSession session, ConnectionState previous, DisconnectReason reason,
			@Nullable PulseCloseStatus status) {
		if (this.sessions.remove(session.id(), session)) {
			ClusterBridge cluster = this.cluster;
			if (cluster != null) {
				cluster.sessionEnded(session.id());
			}
		}
		forgetUser(session);
		for (String room : session.roomSet()) {
			this.rooms.remove(room, session);
		}
		leavePresence(session);
		long now = nanoTime();
		for (String token : session.resumeTokens()) {
			tokens().revoke(token, reason == DisconnectReason.RESUME_EXPIRED, now);
		}
		this.observer.sessionClosed(reason, now - session.createdNanos());
		if (logger.isDebugEnabled()) {
			logger.debug("Ended " + session + " (" + previous + "): " + reason.description()
					+ ((status != null) ? " (" + status.code() + ")" : ""));
		}
	}

	void suspended(PulseSession session, DisconnectReason cause) {
		this.observer.transportDropped(cause);
		if (logger.isDebugEnabled()) {
			logger.debug("Suspended " + session + ": " + cause.description());
		}
	}

	/**
	 * Closes a transport with a close frame, on the I/O pool (a close may wait, at most the write timeout, for a
	 * peer that reads slowly). Only for a transport with no write in flight.
	 */
	void closeTransport(Transport transport, PulseCloseStatus status) {
		execute(() -> transport.close(status));
	}

	void closeAfterWrite(Transport transport, PulseCloseStatus status) {
		this.closer.closeAfterWrite(transport, status);
	}

	/**
	 * A write completed on a transport that is no longer its session's: a close owed to it goes now.
	 */
	void staleWriteDone(Transport transport, @Nullable Throwable failure) {
		PulseCloseStatus owed = this.closer.owedAfterWrite(transport);
		if (owed == null) {
			return;
		}
		if (failure != null) {
			abortTransport(transport);
		}
		else {
			closeTransport(transport, owed);
		}
	}

	/**
	 * Drops a transport without a close frame: its peer is not reading, or it is already gone. Does not block.
	 */
	void abortTransport(Transport transport) {
		execute(transport::abort);
	}

	/**
	 * The engine's I/O executor, for transports whose container offers only blocking calls (pings on the plain
	 * Jakarta API, writes on a Spring session that is not asynchronous).
	 * @return the executor
	 */
	public java.util.concurrent.Executor ioExecutor() {
		return this::execute;
	}

	SessionStates states() {
		return this.states;
	}

	/**
	 * Sessions whose close frame waits for the write in flight or the frames queued before it.
	 */
	int flushingCount() {
		return this.flushing.size();
	}

	/**
	 * Transports waiting for their write in flight before their close frame.
	 */
	/**
	 * Whether a transport waits for its write in flight before its close frame.
	 */
	boolean isLeaving(Transport transport) {
		return this.closer.isLeaving(transport);
	}

	int leavingCount() {
		return this.closer.leavingCount();
	}

	/**
	 * Runs a task on the engine's I/O executor (which may block briefly, as a close or a Redis read does).
	 * @param task the task
	 */
	public void execute(Runnable task) {
		this.closer.execute(task);
	}

	void heartbeatTimedOut(PulseSession session) {
		this.observer.heartbeatTimeout();
		if (logger.isDebugEnabled()) {
			logger.debug("Heartbeat timeout on " + session);
		}
	}

	void heartbeatRtt(long nanos) {
		this.observer.heartbeatRtt(nanos);
	}

	void messageSent(OutFrame.Message message) {
		this.observer.messageSent(message.bytes, nanoTime() - message.enqueuedNanos);
	}

	void framesDropped(int count, String cause) {
		for (int i = 0; i < count; i++) {
			this.observer.frameDropped(cause);
		}
	}

	void logSlowConsumer(PulseSession session) {
		logger.warn("Closing " + session + " with 4002: send buffer full (slow consumer)");
	}

	void logWriteFailure(PulseSession session, Throwable failure) {
		if (logger.isDebugEnabled()) {
			logger.debug("Write to " + session + " failed: " + failure);
		}
	}

	ByteBuffer pingPayload() {
		return ByteBuffer.allocate(0);
	}

	// ---- frames

	WireFormat wire() {
		return this.wire;
	}

	// ---- PulseServer

	@Override
	public boolean send(String connectionId, String event, @Nullable Object payload) {
		PulseSession session = this.sessions.get(connectionId);
		if (session == null) {
			ClusterBridge cluster = this.cluster;
			return cluster != null && cluster.send(connectionId, this.wire.messageBody(event, null, payload));
		}
		try {
			sendDirect(session, this.wire.messageBody(event, null, payload));
			return true;
		}
		catch (ConnectionClosedException ex) {
			return false;
		}
	}

	/**
	 * Sends to every connection of a user on this node and, with a cluster, through the node's pipeline to the
	 * user's connections on the other nodes.
	 */
	@Override
	public int sendToUser(String user, String event, @Nullable Object payload) {
		EncodedBody body = this.wire.messageBody(event, null, payload);
		ClusterBridge cluster = this.cluster;
		if (cluster != null) {
			cluster.sendToUser(user, body);
		}
		return deliverToUser(user, body);
	}

	/**
	 * Delivers a send to a user that another node published to the user's connections on this node; for the
	 * cluster's threads. Each is counted as a direct send of this node.
	 * @param user the user
	 * @param body the encoded body, as {@link EncodedBody#text()}
	 * @return the connections it was queued for
	 */
	public int deliverToUser(String user, String body) {
		return deliverToUser(user, EncodedBody.of(body));
	}

	private int deliverToUser(String user, EncodedBody body) {
		Set<PulseSession> connections = this.users.members(user);
		if (connections == null || connections.isEmpty()) {
			return 0;
		}
		int reached = 0;
		for (PulseSession session : connections) {
			try {
				sendDirect(session, body);
				reached++;
			}
			catch (ConnectionClosedException ex) {
				// ended since the lookup: it leaves the index on its own
			}
			catch (SendBufferFullException ex) {
				this.observer.frameDropped("send-buffer-overflow");
				if (logger.isDebugEnabled()) {
					logger.debug("Send to user of " + session + " dropped: " + ex.getMessage());
				}
			}
		}
		return reached;
	}

	@Override
	public Collection<PulseConnection> connectionsOf(String user) {
		Set<PulseSession> connections = this.users.members(user);
		return (connections != null) ? List.copyOf(connections) : List.of();
	}

	@Override
	public Map<String, Integer> presence(String room) {
		return this.presence.view(room);
	}

	/**
	 * Whether a room has presence ({@code pulse.rooms.presence}).
	 * @param room the room
	 * @return whether its name matches one of the patterns
	 */
	public boolean hasPresence(String room) {
		return this.presence.isOn(room);
	}

	/**
	 * Number of rooms with presence in which a user is present, through a connection of this node or (on a cluster,
	 * as this node knows) of another; a room nobody is present in keeps no presence state.
	 * @return the room count
	 */
	public int presenceRoomCount() {
		return this.presence.roomCount();
	}

	/**
	 * Number of users present through a connection of this node in at least one room with presence.
	 * @return the user count
	 */
	public int presentUserCount() {
		return this.presence.localUserCount();
	}

	/**
	 * Number of users with at least one live session on this node.
	 * @return the user count
	 */
	public int userCount() {
		return this.users.count();
	}

	/**
	 * A direct send to a session of this node; with a cluster it is first counted in Redis, so that a resume after
	 * this node died can report it.
	 */
	void sendDirect(PulseSession session, EncodedBody body) {
		session.enqueue(body, false, countDirectSend(session));
	}

	/** A direct send to the session is about to be queued: whether the cluster, if any, counted it. */
	private boolean countDirectSend(PulseSession session) {
		ClusterBridge cluster = this.cluster;
		return cluster != null && cluster.countDirectSend(session.id());
	}

	private boolean sendLocal(PulseSession session, EncodedBody body, boolean counted) {
		try {
			session.enqueue(body, false, counted, true, null);
			return true;
		}
		catch (ConnectionClosedException ex) {
			return false;
		}
	}

	/**
	 * Delivers an uncounted frame another node sent to a connection of this node.
	 * @param connectionId the connection id
	 * @param body the encoded body, as {@link EncodedBody#text()}
	 * @return whether the frame was queued
	 */
	public boolean deliverSend(String connectionId, String body) {
		return deliverSend(connectionId, body, false);
	}

	/**
	 * Delivers a frame another node sent to a connection of this node; for the cluster's threads (listener callbacks
	 * run on the engine's executor).
	 * @param connectionId the connection id
	 * @param body the encoded body, as {@link EncodedBody#text()}
	 * @param counted whether the sender counted it in the connection's send counter in Redis
	 * @return whether the frame was queued
	 */
	public boolean deliverSend(String connectionId, String body, boolean counted) {
		PulseSession session = this.sessions.get(connectionId);
		if (session == null) {
			return false;
		}
		try {
			return sendLocal(session, EncodedBody.of(body), counted);
		}
		catch (SendBufferFullException ex) {
			// the sender on the other node was told the cluster accepted it: dropped here, counted and logged, as a
			// reply is; never thrown on the cluster's thread
			this.observer.frameDropped("send-buffer-overflow");
			logger.warn("A send from another node to " + session + " dropped: " + ex.getMessage());
			return true;
		}
	}

	/**
	 * Ends a session of this node that another node resumed while this one was taken for dead: it closes with
	 * 4001 (replaced), as when a newer connection takes the same id. For the cluster's threads: {@code onDisconnect}
	 * runs on the engine's executor.
	 * @param connectionId the connection id
	 * @return whether a live session of this node was ended
	 */
	public boolean endTakenOver(String connectionId) {
		PulseSession session = this.sessions.get(connectionId);
		return session != null && this.states.endOffThread(session, SessionStates.ANY_EPOCH, DisconnectReason.REPLACED,
				CloseCodes.REPLACED, false);
	}

	/**
	 * Kicks a connection of this node, on behalf of another node. For the cluster's threads: {@code onDisconnect}
	 * runs on the engine's executor.
	 * @param connectionId the connection id
	 * @return whether a live session of this node was kicked
	 */
	public boolean kickLocal(String connectionId) {
		PulseSession session = this.sessions.get(connectionId);
		return session != null && this.states.endOffThread(session, SessionStates.ANY_EPOCH, DisconnectReason.KICKED,
				CloseCodes.KICKED, false);
	}

	/**
	 * Broadcasts to the members of a room on this node. With a cluster, returns the members reached on this
	 * node; the other nodes deliver to theirs.
	 */
	@Override
	public int broadcast(String room, String event, @Nullable Object payload) {
		ClusterBridge cluster = this.cluster;
		if (cluster != null) {
			RoomNames.check(room);
			EncodedBody body = this.wire.messageBody(event, room, payload);
			return cluster.broadcast(room, body, () -> deliverBroadcast(room, body));
		}
		RoomHistory history = this.history;
		if (history.isOn(room)) {
			// recorded and delivered together: a join that asks for history gets it either as history or live
			EncodedBody body = this.wire.messageBody(event, room, payload);
			long now = nanoTime();
			return history.locked(room, (state) -> {
				state.append(body, now, 0);
				return deliverBroadcast(room, body);
			});
		}
		Set<PulseSession> members = this.rooms.members(room);
		if (members == null || members.isEmpty()) {
			this.observer.broadcast(room, 0);
			return 0;
		}
		return deliverBroadcast(room, this.wire.messageBody(event, room, payload));
	}

	/**
	 * Delivers a broadcast the cluster numbered to the members of the room on this node; for the cluster's threads
	 * (a slow-consumer end calls the listeners on the engine's executor).
	 * @param room the room
	 * @param body the encoded body, as {@link EncodedBody#text()}
	 * @return the members it was queued for
	 */
	public int deliverBroadcast(String room, String body) {
		return deliverBroadcast(room, EncodedBody.of(body), true, Set.of());
	}

	/**
	 * Holds a session's writes until the returned release runs: frames queue as usual, but none reaches the client
	 * before (a close still goes out). The cluster holds a session's writes while Redis has not yet recorded what a
	 * resume on another node needs (its new token, a membership change, a counted direct send), so that no caller
	 * waits for Redis and the client never gets ahead of it.
	 * @param connection a session of this node
	 * @return releases the hold, once; callable from any thread, the writer resumes on the engine's executor
	 */
	public Runnable holdWrites(PulseConnection connection) {
		return ((PulseSession) connection).holdWrites();
	}

	/**
	 * Delivers a broadcast another node published to the members of the room on this node, except some.
	 * @param room the room
	 * @param body the encoded body, as {@link EncodedBody#text()}
	 * @param except ids of members that have it already
	 * @return the members it was queued for
	 */
	public int deliverBroadcast(String room, String body, Set<String> except) {
		return deliverBroadcast(room, EncodedBody.of(body), true, except, Map.of());
	}

	/**
	 * Delivers a broadcast the cluster numbered to the members of the room on this node, except some, and to some
	 * with a body of their own (the same broadcast with a {@code missed} count only they are owed).
	 * @param room the room
	 * @param body the encoded body, as {@link EncodedBody#text()}
	 * @param except ids of members that have it already
	 * @param instead per member id, the encoded body that member gets instead of {@code body}
	 * @return the members it was queued for
	 */
	public int deliverBroadcast(String room, String body, Set<String> except, Map<String, String> instead) {
		return deliverBroadcast(room, EncodedBody.of(body), true, except, instead);
	}

	private int deliverBroadcast(String room, EncodedBody body) {
		return deliverBroadcast(room, body, false, Set.of());
	}

	private int deliverBroadcast(String room, EncodedBody body, boolean fromCluster, Set<String> except) {
		return deliverBroadcast(room, body, fromCluster, except, Map.of());
	}

	private int deliverBroadcast(String room, EncodedBody body, boolean fromCluster, Set<String> except,
			Map<String, String> instead) {
		Set<PulseSession> members = this.rooms.members(room);
		if (members == null || members.isEmpty()) {
			this.observer.broadcast(room, 0);
			return 0;
		}
		int recipients = 0;
		DeliveryLanes lanes = this.lanes;
		if (lanes != null && !lanes.carries(members.size())) {
			lanes = null;
		}
		for (PulseSession member : members) {
			if (!except.isEmpty() && except.contains(member.id())) {
				continue;
			}
			@Nullable String own = instead.isEmpty() ? null : instead.get(member.id());
			if (member.enqueue((own != null) ? EncodedBody.of(own) : body, true, false, fromCluster, lanes)) {
				recipients++;
			}
		}
		this.observer.broadcast(room, recipients);
		return recipients;
	}

	@Override
	public boolean kick(String connectionId) {
		PulseSession session = this.sessions.get(connectionId);
		if (session == null) {
			ClusterBridge cluster = this.cluster;
			return cluster != null && cluster.kick(connectionId);
		}
		return this.states.end(session, SessionStates.ANY_EPOCH, DisconnectReason.KICKED, CloseCodes.KICKED, false);
	}

	@Override
	public @Nullable PulseConnection connection(String connectionId) {
		return this.sessions.get(connectionId);
	}

	@Override
	public Collection<PulseConnection> connections(String room) {
		Set<PulseSession> members = this.rooms.members(room);
		return (members != null) ? List.copyOf(members) : List.of();
	}

	/**
	 * Every live (open or suspended) session.
	 * @return a snapshot
	 */
	public Collection<PulseConnection> connections() {
		return new ArrayList<>(this.sessions.values());
	}

	@Override
	public Set<String> rooms() {
		return this.rooms.names();
	}

	/**
	 * Number of rooms with at least one member.
	 * @return the room count
	 */
	public int roomCount() {
		return this.rooms.count();
	}

	/**
	 * Sizes of all rooms.
	 * @return room name to member count, a snapshot
	 */
	public Map<String, Integer> roomSizes() {
		Map<String, Integer> sizes = new java.util.HashMap<>();
		this.rooms.view().forEach((name, members) -> sizes.put(name, members.size()));
		return sizes;
	}

	@Override
	public int connectionCount() {
		return this.states.openCount();
	}

	@Override
	public int suspendedCount() {
		return this.states.suspendedCount();
	}

	/**
	 * Time since the engine was created.
	 * @return the uptime
	 */
	public Duration uptime() {
		return Duration.ofNanos(nanoTime() - this.startedNanos);
	}

	/**
	 * Effective settings.
	 * @return the settings
	 */
	public PulseSettings settings() {
		return this.settings;
	}

	/**
	 * The codec.
	 * @return the codec
	 */
	public PulseCodec codec() {
		return this.codec;
	}

	Rooms roomRegistry() {
		return this.rooms;
	}

	ResumeTokens tokens() {
		return this.resumes.tokens();
	}

	ResumeFailureLimiter resumeFailures() {
		return this.resumes.resumeFailures();
	}

	/**
	 * The engine's clock.
	 * @return its time in nanoseconds
	 */
	public long nanoTime() {
		return this.nanoClock.getAsLong();
	}

	static @Nullable String name(@Nullable Principal principal) {
		return (principal != null) ? principal.getName() : null;
	}

}
