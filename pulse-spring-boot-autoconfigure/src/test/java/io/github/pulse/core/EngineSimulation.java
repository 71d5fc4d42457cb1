package io.github.pulse.core;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

import io.github.pulse.ConnectDecision;
import io.github.pulse.ConnectionState;
import io.github.pulse.DisconnectReason;
import io.github.pulse.PulseCloseStatus;
import io.github.pulse.PulseConnection;
import io.github.pulse.PulseException;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.codec.PulseCodec;
import org.jspecify.annotations.Nullable;

/**
 * A deterministic simulation of the engine (see {@code EngineSimulationTests}): one thread, one seed, a virtual
 * clock, an executor whose tasks run when the schedule picks them, {@link SimTransport}s whose completions are
 * inline, deferred, stalled or failed, and {@link SimClient}s that read, ack and resume. The schedule is a random
 * sequence of steps (connect, send, broadcast, join, leave, ack, read, cut, half-open, resume with the newest or an
 * older token, client close, kick, application close, replace, stall, release, write failure, clock advance, timer
 * tick, run a pending task or completion, shutdown). While the engine runs, it calls out at the points where another
 * thread could act in a real server: the timer's and the writer's decisions before they are carried out
 * ({@code SessionManager.states()}), every transport call, every listener callback. At such a point the schedule may
 * run one more step, nested, as another thread would. After every step every invariant is checked; see
 * {@link #checkInvariants}.
 * <p>
 * Everything the run depends on is derived from the seed: transports and sessions have random generators of their
 * own, so that the order in which the engine iterates hash sets of sessions (a broadcast, the flushing set) does not
 * change what happens, and pending events are kept sorted by owner and age rather than by arrival.
 */
final class EngineSimulation {

	static final PulseCodec CODEC = new JacksonPulseCodec();

	private static final Field FLUSHING;

	static {
		try {
			FLUSHING = SessionManager.class.getDeclaredField("flushing");
			FLUSHING.setAccessible(true);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private static final int TRACE_LINES = 40;

	/** A broken invariant; also recorded, since the engine catches some exceptions from listeners and the timer. */
	static final class Violation extends RuntimeException {

		Violation(String message) {
			super(message, null, false, false);
		}

	}

	/** How many times runs reached the scenarios the tests want covered. */
	static final class Coverage {

		long runs;

		long steps;

		long preemptions;

		/** A resume landed between the timer's expiry decision and its end (the epoch check made it harmless). */
		long resumeInExpiryWindow;

		/** Same, at a timer decision point where the expiring session was the only session to act. */
		long resumeInExpiryWindowExact;

		/** A frame was sent from onTransportRestore while announced replay frames were still pending. */
		long restoreSendBeforeReplay;

		/** A closing session's write in flight failed. */
		long closingWriteFailed;

		/** A closing session's peer closed, or its transport was reported gone. */
		long closingPeerGone;

		/** A closing session left the flushing set through the timer (write timeout). */
		long closingTimedOut;

		/** A client that had not read a resumed frame resumed again with the token it presented before. */
		long oldTokenAfterUnreadResumed;

		/** A token that was no longer valid was refused. */
		long deadTokenRefused;

		long resumes;

		long liveGaps;

		long announcedGaps;

		long closeFramesRead;

		long resumesOfHalfOpenSessions;

		void add(Coverage other) {
			this.runs += other.runs;
			this.steps += other.steps;
			this.preemptions += other.preemptions;
			this.resumeInExpiryWindow += other.resumeInExpiryWindow;
			this.resumeInExpiryWindowExact += other.resumeInExpiryWindowExact;
			this.restoreSendBeforeReplay += other.restoreSendBeforeReplay;
			this.closingWriteFailed += other.closingWriteFailed;
			this.closingPeerGone += other.closingPeerGone;
			this.closingTimedOut += other.closingTimedOut;
			this.oldTokenAfterUnreadResumed += other.oldTokenAfterUnreadResumed;
			this.deadTokenRefused += other.deadTokenRefused;
			this.resumes += other.resumes;
			this.liveGaps += other.liveGaps;
			this.announcedGaps += other.announcedGaps;
			this.closeFramesRead += other.closeFramesRead;
			this.resumesOfHalfOpenSessions += other.resumesOfHalfOpenSessions;
		}

		@Override
		public String toString() {
			return this.runs + " runs, " + this.steps + " steps, " + this.preemptions + " nested steps; resumes "
					+ this.resumes + "; (1) resume at the expiry decision " + this.resumeInExpiryWindow + " (exact "
					+ this.resumeInExpiryWindowExact + "); (2) send from onTransportRestore before the replay "
					+ this.restoreSendBeforeReplay + "; (3) closing session: write failed " + this.closingWriteFailed
					+ ", peer gone " + this.closingPeerGone + ", timed out " + this.closingTimedOut
					+ "; (4) old token after an unread resumed " + this.oldTokenAfterUnreadResumed
					+ ", dead token refused " + this.deadTokenRefused + "; gaps: live " + this.liveGaps
					+ ", announced missed " + this.announcedGaps + "; close frames read " + this.closeFramesRead
					+ "; resumes of a half-open session " + this.resumesOfHalfOpenSessions;
		}

	}

	/** What the simulation knows about one engine session. */
	final class SimSession {

		final PulseSession engine;

		final int index;

		final SplittableRandom random;

		/** Listener callbacks, in delivery order. */
		final List<String> events = new ArrayList<>(4);

		boolean inCallback;

		boolean disconnected;

		@Nullable DisconnectReason reason;

		/** Tokens that must resume it: the last one issued and, until the client confirms it, the one presented. */
		final Set<String> valid = new LinkedHashSet<>();

		@Nullable String held;

		/** seq to message number, as the engine wrote it on any transport. */
		final Map<Long, Integer> seqToMessage = new HashMap<>();

		final Set<Long> written = new HashSet<>();

		/** seqs the engine no longer holds and did not deliver for sure: dropped or evicted. */
		final Set<Long> lost = new HashSet<>();

		/** Highest seq the client told the engine it has (acks, resumes). */
		long confirmed;

		long[] snapshot = new long[0];

		long snapshotLastSeq;

		/** The engine closed it and the simulation checked the closed state once. */
		boolean closedChecked;

		/** Closed, out of the flushing set, transport released: nothing left to check. */
		boolean settled;

		SimSession(PulseSession engine, int index) {
			this.engine = engine;
			this.index = index;
			this.random = new SplittableRandom(EngineSimulation.this.seed * 1_000_003L + index * 7919L);
		}

		@Override
		public String toString() {
			return "#" + this.index + "(" + this.engine.id() + ")";
		}

	}

	/** Settings and rates of a run. */
	record Options(int clients, int rooms, int steps, double preemptRate, double inlineRate, double restoreSendRate,
			double connectSendRate, double echoRate) {

		static Options random(SplittableRandom random) {
			return new Options(2 + random.nextInt(4), 1 + random.nextInt(3), 60 + random.nextInt(140),
					(random.nextInt(4) == 0) ? 0 : random.nextDouble() * 0.3, 0.2 + random.nextDouble() * 0.8,
					random.nextDouble() * 0.8, random.nextDouble() * 0.3, random.nextDouble() * 0.5);
		}

		/** For scripted tests: everything inline, nothing nested unless the script asks. */
		static Options scripted(int clients, int rooms) {
			return new Options(clients, rooms, 0, 0, 1, 0, 0, 0);
		}

	}

	/** Outcome of one run. */
	record Result(long seed, @Nullable String failure, String trace, long fingerprint, Coverage coverage) {
	}

	static PulseSettings randomSettings(SplittableRandom r) {
		Duration interval = Duration.ofMillis(2_000 + r.nextInt(18_000));
		Duration timeout = Duration.ofMillis(1_000 + r.nextInt((int) interval.toMillis()));
		Duration writeTimeout = Duration.ofMillis(1_000 + r.nextInt(4_000));
		Duration idle = (r.nextInt(4) == 0) ? Duration.ofMillis(5_000 + r.nextInt(25_000)) : null;
		int sendFrames = 1 + r.nextInt(6);
		long sendBytes = (r.nextInt(3) == 0) ? 100 + r.nextInt(300) : 1 << 20;
		OverflowPolicy policy = OverflowPolicy.values()[r.nextInt(3)];
		Duration window = (r.nextInt(7) == 0) ? Duration.ZERO : Duration.ofMillis(2_000 + r.nextInt(18_000));
		int resumeFrames = 1 + r.nextInt(10);
		long resumeBytes = (r.nextInt(3) == 0) ? 150 + r.nextInt(450) : 4 << 20;
		// shutdown-timeout 0: the shutdown's wait is real time, and in one thread nothing could complete meanwhile
		return new PulseSettings(interval, timeout, writeTimeout, idle, Duration.ZERO, sendFrames, sendBytes, policy,
				window, resumeFrames, resumeBytes, -1, 0, 0, 0);
	}

	// ---- the world

	final long seed;

	final SplittableRandom random;

	final PulseSettings settings;

	final Options options;

	final boolean resumeEnabled;

	final Coverage coverage = new Coverage();

	long now = 1_000_000_000_000L;

	final SimManager manager;

	private final long tickPeriodNanos;

	private final Set<PulseSession> flushing;

	private final SimObserver observer = new SimObserver();

	final List<SimClient> clients = new ArrayList<>();

	final List<String> rooms = new ArrayList<>();

	private final List<SimTransport> transports = new ArrayList<>();

	private int firstUnsettledTransport;

	private final List<SimSession> sessions = new ArrayList<>();

	private final Map<PulseConnection, SimSession> byEngine = new IdentityHashMap<>();

	/** Message number to its addressee: a SimSession, or the set of them for a broadcast. */
	private final List<Object> addressees = new ArrayList<>(List.of(Set.of()));

	private final Map<String, SimSession> tokenOwners = new HashMap<>();

	/** Tokens of sessions that expired, with the time they expired. */
	private final Map<String, Long> tombstones = new HashMap<>();

	private final List<Object[]> gapChecks = new ArrayList<>();

	private final List<Pending> events = new ArrayList<>();

	private final List<Pending> tasks = new ArrayList<>();

	private long unownedOrder;

	private @Nullable SimTransport taskOwner;

	private long lastTickAt = Long.MIN_VALUE;

	/** Epochs of the sessions when the last tick began: one that changed during it (a nested step) is not checked. */
	private final Map<PulseSession, Long> epochsBeforeTick = new IdentityHashMap<>();

	private long observedDrops;

	/** What buffers of live sessions lost during this step, found before an ack or a resume moved the line. */
	private long lostThisStep;

	private long dropsWithoutSeq;

	private int depth;

	/** Where the next nested step runs, for its trace line. */
	private String marker = "";

	/** Whether the engine is in a call that iterates a hash set of sessions: no nested step then. */
	private boolean unordered;

	private boolean inTick;

	/** A tick ran at the top level of this step: the timer's invariants apply after it. */
	private boolean ticked;

	private boolean shutDown;

	private boolean finalPhase;

	private @Nullable String failure;

	private final ArrayDeque<TraceLine> trace = new ArrayDeque<>();

	private final @Nullable StringBuilder fullTrace;

	private long fingerprint = 17;

	private int stepNumber;

	/** A scripted test's step for the next point where the engine calls out, and which point. */
	private @Nullable Runnable scriptedStep;

	private String scriptedAt = "";

	/** New transports start stalled (scripts): their first write is held until released. */
	boolean stallNewTransports;

	EngineSimulation(long seed, boolean verbose) {
		this(seed, null, null, verbose);
	}

	EngineSimulation(long seed, @Nullable PulseSettings settings, @Nullable Options options, boolean verbose) {
		this.seed = seed;
		this.random = new SplittableRandom(seed);
		this.settings = (settings != null) ? settings : randomSettings(this.random);
		this.options = (options != null) ? options : Options.random(this.random);
		this.resumeEnabled = this.settings.resumeEnabled();
		this.fullTrace = verbose ? new StringBuilder() : null;
		this.manager = new SimManager(this.settings, new SimListener(), this.observer, () -> this.now);
		this.manager.world = this;
		this.tickPeriodNanos = this.manager.tickPeriod().toNanos();
		this.manager.setExecutor(this::execute);
		try {
			@SuppressWarnings("unchecked")
			Set<PulseSession> set = (Set<PulseSession>) FLUSHING.get(this.manager);
			this.flushing = set;
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException(ex);
		}
		for (int i = 0; i < this.options.rooms(); i++) {
			this.rooms.add("r" + i);
		}
		for (int i = 0; i < this.options.clients(); i++) {
			List<String> home = new ArrayList<>();
			for (String room : this.rooms) {
				// a script (no random steps) puts every client in every room
				if (this.options.steps() == 0 || this.random.nextInt(3) != 0) {
					home.add(room);
				}
			}
			this.clients.add(new SimClient(this, i, home));
		}
		log("settings " + this.settings + " " + this.options);
	}

	/** The engine, with a decision point where the timer and the writer carry out what they decided. */
	static final class SimManager extends SessionManager {

		EngineSimulation world;

		SimManager(PulseSettings settings, PulseListener listener, PulseObserver observer, LongSupplier clock) {
			super(settings, CODEC, List.of(listener), observer, clock);
		}

		@Override
		SessionStates states() {
			// called by PulseSession and SessionWriter after they released the lock, to carry out a decision
			this.world.preemptionPoint("decision");
			return super.states();
		}

		@Override
		void closeTransport(Transport transport, PulseCloseStatus status) {
			SimTransport t = (SimTransport) transport;
			if (t.closesQueued + t.abortsQueued > 0) {
				this.world.fail("the engine closes " + t + " with " + status + " after it closed or aborted it");
			}
			t.closesQueued++;
			this.world.taskOwner = (SimTransport) transport;
			try {
				super.closeTransport(transport, status);
			}
			finally {
				this.world.taskOwner = null;
			}
		}

		@Override
		void abortTransport(Transport transport) {
			SimTransport t = (SimTransport) transport;
			if (t.abortsQueued > 0 || (t.closesQueued > 0 && !t.engineKnowsDead)) {
				this.world.fail("the engine aborts " + t + " after it " + ((t.abortsQueued > 0) ? "aborted" : "closed")
						+ " it");
			}
			t.abortsQueued++;
			this.world.taskOwner = (SimTransport) transport;
			try {
				super.abortTransport(transport);
			}
			finally {
				this.world.taskOwner = null;
			}
		}

	}

	private final class SimObserver implements PulseObserver {

		@Override
		public void frameDropped(String cause) {
			EngineSimulation.this.observedDrops++;
		}

	}

	private final class SimListener implements PulseListener {

		@Override
		public void onConnect(PulseConnection connection) {
			SimSession s = callback(connection, "connect");
			if (s.random.nextDouble() < EngineSimulation.this.options.connectSendRate()) {
				sendFromListener(s, "c");
			}
			done(s);
		}

		@Override
		public void onMessage(PulseConnection connection, PulseMessage message) {
			SimSession s = sim(connection);
			checkNoLockHeld("listener onMessage");
			if (s.disconnected) {
				fail("onMessage after onDisconnect of " + s);
			}
			if (s.random.nextDouble() < EngineSimulation.this.options.echoRate()) {
				sendFromListener(s, "e");
			}
			preemptionPoint("listener");
		}

		@Override
		public void onDisconnect(PulseConnection connection, DisconnectReason reason,
				@Nullable PulseCloseStatus closeStatus) {
			SimSession s = callback(connection, "disconnect:" + reason);
			String before = s.events.get(s.events.size() - 2);
			if (reason == DisconnectReason.RESUME_EXPIRED && (!before.equals("drop")
					|| EngineSimulation.this.now - s.engine.suspendedAtNanos < EngineSimulation.this.settings
						.resumeWindow().toNanos())) {
				// a late expiry must not end a session resumed since the timer decided (its epoch moved on)
				fail(s + " ended as expired after " + s.events + ", suspended since "
						+ (EngineSimulation.this.now - s.engine.suspendedAtNanos) / 1_000_000 + " ms");
			}
			s.disconnected = true;
			s.reason = reason;
			if (s.engine.state != ConnectionState.CLOSED) {
				fail("onDisconnect of " + s + " while it is " + s.engine.state);
			}
			for (String token : s.valid) {
				EngineSimulation.this.tokenOwners.remove(token);
				if (reason == DisconnectReason.RESUME_EXPIRED) {
					EngineSimulation.this.tombstones.put(token, EngineSimulation.this.now);
				}
			}
			s.valid.clear();
			s.held = null;
			done(s);
		}

		@Override
		public void onTransportDrop(PulseConnection connection, DisconnectReason cause) {
			done(callback(connection, "drop"));
		}

		@Override
		public void onTransportRestore(PulseConnection connection) {
			SimSession s = callback(connection, "restore");
			if (s.random.nextDouble() < EngineSimulation.this.options.restoreSendRate()) {
				boolean replayPending = s.engine.buffer.pendingMessages() > 0;
				if (sendFromListener(s, "r") && replayPending) {
					EngineSimulation.this.coverage.restoreSendBeforeReplay++;
				}
			}
			done(s);
		}

		private SimSession callback(PulseConnection connection, String kind) {
			SimSession s = sim(connection);
			checkNoLockHeld("listener " + kind);
			if (s.inCallback) {
				fail("listener " + kind + " of " + s + " while another callback of it runs");
			}
			if (s.disconnected) {
				fail("listener " + kind + " of " + s + " after onDisconnect (" + s.events + ")");
			}
			String last = s.events.isEmpty() ? null : s.events.get(s.events.size() - 1);
			boolean inOrder = switch (kind) {
				case "connect" -> last == null;
				case "drop" -> "connect".equals(last) || "restore".equals(last);
				case "restore" -> "drop".equals(last);
				default -> last != null;
			};
			if (!inOrder) {
				fail("listener " + kind + " of " + s + " after " + s.events + " (onConnect first, drop and restore "
						+ "alternate, one onDisconnect last)");
			}
			s.events.add(kind);
			s.inCallback = true;
			return s;
		}

		private void done(SimSession s) {
			s.inCallback = false;
			preemptionPoint("listener");
		}

	}

	// ---- scheduler

	/** A pending event or executor task, ordered by owner (a transport) and age within the owner. */
	private record Pending(int owner, long order, String label, Runnable action) {
	}

	private void insert(List<Pending> queue, Pending pending) {
		int i = queue.size();
		while (i > 0 && compare(queue.get(i - 1), pending) > 0) {
			i--;
		}
		queue.add(i, pending);
	}

	private static int compare(Pending a, Pending b) {
		int byOwner = Integer.compare(a.owner, b.owner);
		return (byOwner != 0) ? byOwner : Long.compare(a.order, b.order);
	}

	/** A completion or notification of a transport, to happen when the schedule picks it. */
	void schedule(SimTransport owner, String label, Runnable action) {
		insert(this.events, new Pending(owner.id, owner.nextOrder++, label, action));
	}

	/** The engine's executor: queues the task. */
	private void execute(Runnable task) {
		SimTransport owner = this.taskOwner;
		String label = (owner != null) ? ((owner.closesQueued + owner.abortsQueued > 0) ? "close/abort " : "task ")
				+ owner : "task";
		if (owner != null) {
			insert(this.tasks, new Pending(owner.id, owner.nextOrder++, label, task));
		}
		else {
			insert(this.tasks, new Pending(Integer.MAX_VALUE, this.unownedOrder++, label, task));
		}
	}

	boolean inlineCompletion(SimTransport transport) {
		return transport.random.nextDouble() < this.options.inlineRate();
	}

	// ---- calls from transports

	void transportCalled(SimTransport transport, String kind) {
		checkNoLockHeld(kind + " on " + transport);
	}

	private void checkNoLockHeld(String what) {
		for (SimSession s : this.sessions) {
			if (!s.settled && Thread.holdsLock(s.engine.lock)) {
				fail(what + " called under the lock of " + s);
			}
		}
	}

	/** Checks a frame the engine wrote, whatever becomes of it. */
	void engineWrote(SimTransport t, String text) {
		debug("engine writes on " + t + ": " + SimClient.abbreviate(text));
		if (t.session == null) {
			for (PulseConnection connection : this.manager.connections()) {
				if (((PulseSession) connection).transport == t) {
					t.session = (PulseSession) connection;
				}
			}
			for (PulseSession closing : this.flushing) {
				// ended as it opened (a nested step) and writing its queued frames before the close
				if (closing.transport == t) {
					t.session = closing;
				}
			}
			if (t.session == null) {
				fail("engine wrote to " + t + ", which no session holds: " + SimClient.abbreviate(text));
			}
		}
		SimSession s = sim(t.session);
		String type = stringField(text, "type");
		if (!t.firstFrameWritten) {
			if (!"welcome".equals(type) && !"resumed".equals(type)) {
				fail("first frame on " + t + " is not welcome or resumed: " + SimClient.abbreviate(text));
			}
			t.firstFrameWritten = true;
			t.lastSeqWritten = t.presentedLastSeq;
			if ("resumed".equals(type)) {
				int replayed = (int) numberField(text, "replayed");
				long missed = numberField(text, "missed");
				t.replayEnd = t.presentedLastSeq + replayed + missed;
				t.replayLeft = replayed;
			}
			return;
		}
		if ("welcome".equals(type) || "resumed".equals(type)) {
			fail("a second " + type + " on " + t);
		}
		if (!"message".equals(type)) {
			return;
		}
		long seq = numberField(text, "seq");
		int message = (int) numberField(text, "payload");
		if (seq <= t.lastSeqWritten) {
			fail("engine wrote seq " + seq + " after " + t.lastSeqWritten + " on " + t);
		}
		if (t.replayLeft > 0) {
			if (seq > t.replayEnd) {
				fail("engine wrote live seq " + seq + " on " + t + " with " + t.replayLeft
						+ " announced replay frame(s) not written (a replay frame was evicted after resumed)");
			}
			t.replayLeft--;
		}
		else if (t.replayEnd >= 0 && seq <= t.replayEnd) {
			fail("engine wrote seq " + seq + " on " + t + ", within the replay range up to " + t.replayEnd
					+ ", beyond the replayed count it announced");
		}
		Integer before = s.seqToMessage.putIfAbsent(seq, message);
		if (before != null && before != message) {
			fail("engine wrote seq " + seq + " of " + s + " as message #" + message + " and before as #" + before);
		}
		if (!wasSentTo(message, s)) {
			fail("engine wrote message #" + message + " to " + s + ", which it was not sent to");
		}
		s.written.add(seq);
		t.lastSeqWritten = seq;
	}

	/** The container reports the close of a transport. */
	void notifyClosed(SimTransport t, PulseCloseStatus status) {
		if (t.reported || t.session == null) {
			return;
		}
		closingPeerGone(t);
		t.reported = true;
		t.engineKnowsDead = true;
		this.manager.onTransportClosed(t.session, t, status);
	}

	/** The container reports a transport gone without a close frame: 1006 or an error. */
	void notifyDead(SimTransport t) {
		if (t.reported || t.session == null) {
			return;
		}
		closingPeerGone(t);
		t.reported = true;
		t.engineKnowsDead = true;
		if (t.random.nextBoolean()) {
			this.manager.onTransportClosed(t.session, t, PulseCloseStatus.NO_CLOSE_FRAME);
		}
		else {
			this.manager.onTransportError(t.session, t);
		}
	}

	private void closingPeerGone(SimTransport t) {
		PulseSession p = t.session;
		if (p != null && p.state == ConnectionState.CLOSED && p.writer.closing && p.transport == t) {
			this.coverage.closingPeerGone++;
		}
	}

	/** A completion of the transport is about to report a failure to the engine. */
	void completionFailed(SimTransport t) {
		PulseSession p = t.session;
		if (p != null && p.transport == t) {
			t.engineKnowsDead = true;
			if (p.state == ConnectionState.CLOSED && p.writer.closing && p.writer.writing) {
				this.coverage.closingWriteFailed++;
			}
		}
	}

	void pong(SimTransport t) {
		if (t.session != null && t.reachesClient()) {
			this.manager.onPong(t.session, t);
		}
	}

	// ---- sessions and messages

	SimSession sim(@Nullable PulseConnection connection) {
		if (connection == null) {
			throw fail("no session");
		}
		SimSession s = this.byEngine.get(connection);
		if (s == null) {
			s = new SimSession((PulseSession) connection, this.sessions.size());
			this.byEngine.put(connection, s);
			this.sessions.add(s);
		}
		return s;
	}

	private int newMessage(Object addressee) {
		this.addressees.add(addressee);
		return this.addressees.size() - 1;
	}

	boolean wasSentTo(int message, SimSession s) {
		if (message <= 0 || message >= this.addressees.size()) {
			return false;
		}
		Object to = this.addressees.get(message);
		return to == s || (to instanceof Set<?> set && set.contains(s));
	}

	private boolean sendFromListener(SimSession s, String event) {
		int message = newMessage(s);
		try {
			s.engine.send(event, message);
			return true;
		}
		catch (PulseException ex) {
			return false;
		}
	}

	/** A client saw a gap at this seq: checked at the end of the step, once the engine's drops are known. */
	void expectLost(SimClient client, SimSession s, long seq, boolean live) {
		if (live) {
			this.coverage.liveGaps++;
			if (this.settings.overflowPolicy() != OverflowPolicy.DROP_OLDEST) {
				fail(client + " saw seq " + seq + " missing on a live transport under " + this.settings.overflowPolicy()
						+ ", which never leaves a gap");
			}
		}
		else {
			this.coverage.announcedGaps++;
		}
		this.gapChecks.add(new Object[] { client, s, seq, live });
	}

	// ---- failures and trace

	Violation fail(String message) {
		if (this.failure == null) {
			this.failure = message;
		}
		throw new Violation(message);
	}

	private void log(String line) {
		// kept raw: formatted only if the trace is printed
		TraceLine entry = new TraceLine(this.now, this.depth, this.marker, line);
		this.marker = "";
		this.fingerprint = this.fingerprint * 31 + line.hashCode() + this.now;
		this.trace.addLast(entry);
		if (this.trace.size() > TRACE_LINES) {
			this.trace.removeFirst();
		}
		if (this.fullTrace != null) {
			this.fullTrace.append(entry).append('\n');
		}
	}

	private record TraceLine(long now, int depth, String marker, String line) {

		@Override
		public String toString() {
			long millis = (this.now - 1_000_000_000_000L) / 1_000_000;
			return "[" + millis / 1000 + "." + Long.toString(1000 + millis % 1000).substring(1) + "s] "
					+ ((this.depth > 0) ? "  " : "") + this.marker + this.line;
		}

	}

	/** A detail for the full trace of a replayed seed only. */
	void debug(String line) {
		if (this.fullTrace != null) {
			this.fullTrace.append("          ").append("  ".repeat(this.depth)).append(line).append('\n');
		}
	}

	String trace() {
		if (this.fullTrace != null) {
			return this.fullTrace.toString();
		}
		StringBuilder lines = new StringBuilder();
		for (TraceLine line : this.trace) {
			lines.append(line).append('\n');
		}
		return lines.toString();
	}

	boolean isFlushing(SimSession s) {
		return this.flushing.contains(s.engine);
	}

	@Nullable String failure() {
		return this.failure;
	}

	long fingerprint() {
		return this.fingerprint;
	}

	// ---- running

	/** Runs the whole random schedule, then the final phase; the result carries the first violation, if any. */
	static Result run(long seed, boolean verbose) {
		EngineSimulation world = new EngineSimulation(seed, verbose);
		try {
			for (int i = 0; i < world.options.steps() && !world.shutDown; i++) {
				world.randomStep();
			}
			world.finish(world.random.nextBoolean());
		}
		catch (Violation ex) {
			// recorded
		}
		catch (RuntimeException | AssertionError ex) {
			if (world.failure == null) {
				java.io.StringWriter stack = new java.io.StringWriter();
				ex.printStackTrace(new java.io.PrintWriter(stack));
				world.failure = "unexpected " + stack.toString().lines().limit(12)
						.reduce((a, b) -> a + "\n    " + b).orElse("");
			}
		}
		world.coverage.runs = 1;
		String trace = (world.failure != null || verbose) ? world.trace() : "";
		return new Result(seed, world.failure, trace, world.fingerprint, world.coverage);
	}

	/** Runs one step as a script would, with the invariant checks after it. */
	void step(String label, Runnable action) {
		this.stepNumber++;
		log("#" + this.stepNumber + " " + label);
		action.run();
		afterStep();
	}

	private void randomStep() {
		this.stepNumber++;
		this.coverage.steps++;
		String done = null;
		for (int attempt = 0; done == null && attempt < 20; attempt++) {
			int roll = this.random.nextInt(100);
			if (roll < 14) {
				done = runEvent();
			}
			else if (roll < 20) {
				done = runTask();
			}
			else if (roll < 24) {
				done = tick();
			}
			else if (roll < 28) {
				done = advance(false);
			}
			else if (roll < 29) {
				done = advance(true);
			}
			else if (roll < 30 && this.stepNumber > 40 && this.random.nextInt(4) == 0) {
				done = shutdown();
			}
			else {
				done = action(this.random.nextInt(70), false);
			}
		}
		afterStep();
	}

	/** A client or application action; {@code nested} when it runs at a decision point of another step. */
	private @Nullable String action(int roll, boolean nested) {
		if (roll < 6) {
			return connect(pick((c) -> c.transport == null && !c.opening), false);
		}
		if (roll < 14) {
			return resume(pick(this::canResume), null);
		}
		if (roll < 22) {
			return send();
		}
		if (roll < 31) {
			return broadcast();
		}
		if (roll < 34) {
			return join(true);
		}
		if (roll < 36) {
			return join(false);
		}
		if (roll < 42) {
			return ack(pick(SimClient::canSend));
		}
		if (roll < 52) {
			return read(pick((c) -> c.transport != null && !c.transport.inbox.isEmpty() && !c.opening));
		}
		if (roll < 55) {
			return cut(pick(SimClient::canSend), null);
		}
		if (roll < 56) {
			return clientClose(pick(SimClient::canSend));
		}
		if (roll < 58) {
			return kick();
		}
		if (roll < 59) {
			return applicationClose();
		}
		if (roll < 60) {
			return connect(pick(SimClient::canSend), true);
		}
		if (roll < 62) {
			return stall(pick(SimClient::canSend));
		}
		if (roll < 64) {
			return release();
		}
		if (roll < 65) {
			return failNextWrite(pick(SimClient::canSend));
		}
		if (roll < 68) {
			return clientMessage(pick(SimClient::canSend), "{\"type\":\"message\",\"event\":\"hi\",\"payload\":1}");
		}
		if (roll < 69) {
			return clientMessage(pick(SimClient::canSend), "{\"type\":\"ping\"}");
		}
		return nested ? null : clientMessage(pick(SimClient::canSend), "{not json");
	}

	private @Nullable SimClient pick(java.util.function.Predicate<SimClient> eligible) {
		List<SimClient> candidates = new ArrayList<>(this.clients.size());
		for (SimClient client : this.clients) {
			if (eligible.test(client)) {
				candidates.add(client);
			}
		}
		return candidates.isEmpty() ? null : candidates.get(this.random.nextInt(candidates.size()));
	}

	/**
	 * A point where another thread could act while the engine is between a decision and its effect, inside a
	 * transport call, or inside a listener callback: the schedule may run one nested step.
	 */
	void preemptionPoint(String where) {
		if (this.depth > 0 || this.unordered || this.finalPhase) {
			return;
		}
		if (where.equals("decision")) {
			checkNoLockHeld("the engine's decision point");
		}
		Runnable scripted = this.scriptedStep;
		if (scripted != null && where.startsWith(this.scriptedAt)) {
			this.scriptedStep = null;
			this.marker = "@" + where + ": ";
			nested(scripted);
			return;
		}
		if (this.options.preemptRate() == 0 || this.random.nextDouble() >= this.options.preemptRate()) {
			return;
		}
		this.coverage.preemptions++;
		this.marker = "@" + where + ": ";
		nested(() -> {
			if (where.equals("decision") && this.inTick && this.random.nextBoolean()) {
				// aim at the window between the timer's expiry decision and its end
				SimClient expiring = pick((c) -> canResume(c) && isExpiring(c.session));
				if (expiring != null) {
					resume(expiring, null);
					return;
				}
			}
			String done = null;
			for (int attempt = 0; done == null && attempt < 5; attempt++) {
				int roll = this.random.nextInt(100);
				if (roll < 15) {
					done = runEvent();
				}
				else if (roll < 22) {
					done = runTask();
				}
				else if (roll < 25 && !this.inTick) {
					done = tick();
				}
				else {
					done = action(this.random.nextInt(70), true);
				}
			}
		});
	}

	private void nested(Runnable step) {
		this.depth++;
		try {
			step.run();
		}
		finally {
			this.depth--;
			this.marker = "";
		}
	}

	/**
	 * A scripted test's step, run nested at the engine's next call-out of the given kind: {@code "decision"} (the
	 * timer or the writer about to carry out what it decided), {@code "listener"}, or a transport call such as
	 * {@code "write"}.
	 */
	void atNext(String where, Runnable step) {
		this.scriptedAt = where;
		this.scriptedStep = step;
	}

	private boolean isExpiring(@Nullable SimSession s) {
		return s != null && s.engine.state == ConnectionState.SUSPENDED
				&& this.now - s.engine.suspendedAtNanos >= this.settings.resumeWindow().toNanos();
	}

	// ---- steps

	@Nullable String runEvent() {
		if (this.events.isEmpty()) {
			return null;
		}
		Pending event = this.events.remove(this.random.nextInt(this.events.size()));
		String label = "event " + event.label;
		log(label);
		event.action.run();
		return label;
	}

	@Nullable String runTask() {
		if (this.tasks.isEmpty()) {
			return null;
		}
		Pending task = this.tasks.remove(this.random.nextInt(this.tasks.size()));
		String label = "run " + task.label;
		log(label);
		task.action.run();
		return label;
	}

	@Nullable String tick() {
		if (this.shutDown && !this.finalPhase) {
			return null;
		}
		log("tick");
		List<PulseSession> closing = this.flushing.isEmpty() ? List.of() : new ArrayList<>(this.flushing);
		this.epochsBeforeTick.clear();
		for (SimSession s : this.sessions) {
			if (!s.settled) {
				this.epochsBeforeTick.put(s.engine, s.engine.epoch);
			}
		}
		this.inTick = true;
		try {
			this.manager.tick();
		}
		finally {
			this.inTick = false;
		}
		for (PulseSession p : closing) {
			if (!this.flushing.contains(p)) {
				this.coverage.closingTimedOut++;
			}
		}
		this.lastTickAt = this.now;
		if (this.depth == 0) {
			this.ticked = true;
		}
		return "tick";
	}

	/** Moves the clock: a little (up to two timer periods), or past the resume window; then maybe ticks. */
	@Nullable String advance(boolean pastWindow) {
		long period = this.tickPeriodNanos;
		long by = pastWindow
				? Math.max(this.settings.resumeWindow().toNanos(), this.settings.writeTimeout().toNanos()) + period
				: 1 + this.random.nextLong(2 * period + 1_000_000_000L);
		this.now += by;
		boolean tick = pastWindow || this.random.nextBoolean();
		log("advance " + by / 1_000_000 + " ms" + (tick ? ", tick" : ""));
		if (tick) {
			tick();
		}
		return "advance" + (tick ? " tick" : "");
	}

	/** Whether a client would try to resume: it lost its transport and holds a token of a session not over. */
	boolean canResume(SimClient c) {
		return this.resumeEnabled && c.transport == null && !c.opening && !c.sessionOver && !c.tokens.isEmpty();
	}

	/** A fresh connection; {@code replacing} when the client still has a transport (a second tab, same id). */
	@Nullable String connect(@Nullable SimClient c, boolean replacing) {
		if (c == null || (this.shutDown && !this.finalPhase)) {
			return null;
		}
		String label = (replacing ? "replace " : "connect ") + c;
		log(label);
		if (replacing && c.transport != null) {
			c.transport.abandoned = true;
			c.transport = null;
		}
		SimSession before = c.session;
		boolean beforeLive = before != null && before.engine.state != ConnectionState.CLOSED;
		SimTransport t = newTransport(c);
		PulseSession p = open(c, t, null, 0);
		SimSession s = sim(p);
		if (s == before || p.id().equals(c.id) == false) {
			fail("connect of " + c + " got " + s + " instead of a new session");
		}
		if (beforeLive && before.engine.state != ConnectionState.CLOSED) {
			// its onDisconnect may still be queued behind a callback of it that is running (a nested step)
			fail("connect with the id of live " + before + " did not end it");
		}
		issueWelcomeToken(s);
		c.expectFirst = null;
		return label + " -> " + s;
	}

	/**
	 * A resume on a new transport with the given token, or with one the client picks: the newest it read, the one
	 * before (it did not read, or lost, the last resumed), or an older one.
	 */
	@Nullable String resume(@Nullable SimClient c, @Nullable String chosen) {
		if (c == null || (this.shutDown && !this.finalPhase)) {
			return null;
		}
		String token = chosen;
		String which = "given";
		if (token == null) {
			int newest = c.tokens.size() - 1;
			int roll = this.random.nextInt(10);
			int index = (roll < 6 || newest == 0) ? newest : (roll < 9) ? newest - 1 : this.random.nextInt(newest + 1);
			token = c.tokens.get(index);
			which = (index == newest) ? "newest" : (index == newest - 1) ? "previous" : "older";
		}
		String label = "resume " + c + " with its " + which + " token, lastSeq " + c.lastSeq;
		log(label);
		SimSession owner = this.tokenOwners.get(token);
		boolean expectResumed = owner != null && owner.engine.id().equals(c.id);
		String expectFailure = null;
		if (!expectResumed) {
			Long expiredAt = this.tombstones.get(token);
			long window = this.settings.resumeWindow().toNanos();
			if (expiredAt == null) {
				expectFailure = "unknown";
			}
			else if (this.now - expiredAt <= window) {
				expectFailure = "expired";
			}
			else {
				expectFailure = (this.lastTickAt - (expiredAt + window) > 0) ? "unknown" : "*";
			}
		}
		boolean oldToken = expectResumed && token.equals(owner.held);
		boolean wasOpen = expectResumed && owner.engine.state == ConnectionState.OPEN;
		boolean exact = expectResumed && this.inTick && isExpiring(owner) && noOtherTimerAction(owner);
		boolean expiring = expectResumed && this.inTick && isExpiring(owner);
		SimSession before = c.session;
		boolean beforeLive = before != null && before.engine.state != ConnectionState.CLOSED;
		SimTransport t = newTransport(c);
		t.presentedLastSeq = expectResumed ? c.lastSeq : 0;
		if (expectResumed) {
			// what the buffer lost so far this step is a drop; what it loses at or below lastSeq now is not
			this.lostThisStep += diffRetained(owner);
			owner.confirmed = Math.max(owner.confirmed, c.lastSeq);
		}
		PulseSession p = open(c, t, token, c.lastSeq);
		SimSession s = sim(p);
		this.coverage.resumes++;
		if (expectResumed) {
			if (s != owner) {
				fail("resume of " + c + " with a valid token of " + owner + " got " + s + " (a fresh session)");
			}
			c.expectFirst = "resumed";
			if (s.engine.state != ConnectionState.CLOSED) {
				// every other token is revoked; the presented one holds until the client shows it has the new one
				for (String other : new ArrayList<>(s.valid)) {
					if (!other.equals(token)) {
						s.valid.remove(other);
						this.tokenOwners.remove(other);
					}
				}
				s.held = token;
				String issued = s.engine.resumeToken;
				s.valid.add(issued);
				this.tokenOwners.put(issued, s);
			}
			if (oldToken) {
				this.coverage.oldTokenAfterUnreadResumed++;
			}
			if (wasOpen) {
				this.coverage.resumesOfHalfOpenSessions++;
			}
			if (expiring) {
				this.coverage.resumeInExpiryWindow++;
			}
			if (exact) {
				this.coverage.resumeInExpiryWindowExact++;
			}
			return label + " -> resumed " + s;
		}
		if (s == owner || !p.id().equals(c.id)) {
			fail("resume of " + c + " with a dead token got " + s);
		}
		if (beforeLive && before.engine.state != ConnectionState.CLOSED) {
			fail("a failed resume of " + c + " left " + before + " live next to the new " + s);
		}
		this.coverage.deadTokenRefused++;
		issueWelcomeToken(s);
		c.expectFirst = expectFailure;
		return label + " -> refused (" + expectFailure + "), new " + s;
	}

	/** Whether no session but {@code expiring} would act on this tick: then a decision point is its expiry. */
	private boolean noOtherTimerAction(SimSession expiring) {
		for (SimSession s : this.sessions) {
			if (s == expiring || s.settled || s.engine.state == ConnectionState.CLOSED) {
				continue;
			}
			PulseSession p = s.engine;
			if (p.state == ConnectionState.SUSPENDED && isExpiring(s)) {
				return false;
			}
			Duration idle = this.settings.idleTimeout();
			if (p.state == ConnectionState.OPEN && p.transport != null && ((p.writer.writing
					&& this.now - p.writer.writeStartedNanos >= this.settings.writeTimeout().toNanos())
					|| (p.pingOutstanding && p.lastInboundNanos - p.pingSentNanos < 0
							&& this.now - p.pingSentNanos >= this.settings.heartbeatTimeout().toNanos())
					|| (idle != null && this.now - p.lastMessageNanos >= idle.toNanos()))) {
				return false;
			}
		}
		return true;
	}

	private void issueWelcomeToken(SimSession s) {
		String token = s.engine.resumeToken;
		if (this.resumeEnabled && token != null && s.engine.state != ConnectionState.CLOSED) {
			s.valid.add(token);
			this.tokenOwners.put(token, s);
		}
	}

	private SimTransport newTransport(SimClient c) {
		SimTransport t = new SimTransport(this, this.transports.size(), c, this.random.nextLong());
		this.transports.add(t);
		if (this.stallNewTransports) {
			t.stall();
		}
		return t;
	}

	private PulseSession open(SimClient c, SimTransport t, @Nullable String token, long lastSeq) {
		c.opening = true;
		PulseSession p;
		try {
			p = (PulseSession) this.manager.open(t, ConnectDecision.accept(c.id, c.homeRooms), null, token, lastSeq);
		}
		finally {
			c.opening = false;
		}
		if (t.session != null && t.session != p) {
			fail("open returned " + p + " but the engine wrote to " + t + " for " + t.session);
		}
		t.session = p;
		if (t.clientGone) {
			// broken while it opened (a nested step): the client never saw it
			return p;
		}
		c.transport = t;
		c.firstRead = false;
		return p;
	}

	@Nullable String send() {
		if (this.clients.isEmpty() || (this.shutDown && !this.finalPhase)) {
			return null;
		}
		return send(this.clients.get(this.random.nextInt(this.clients.size())));
	}

	String send(SimClient c) {
		PulseConnection target = this.manager.connection(c.id);
		int message = newMessage((target != null) ? sim(target) : Set.of());
		String outcome;
		try {
			outcome = this.manager.send(c.id, "s", message) ? "queued" : "no session";
		}
		catch (PulseException ex) {
			outcome = ex.getClass().getSimpleName();
		}
		String label = "send #" + message + " to " + c.id + ": " + outcome;
		log(label);
		return label;
	}

	@Nullable String broadcast() {
		if (this.shutDown && !this.finalPhase) {
			return null;
		}
		return broadcast(this.rooms.get(this.random.nextInt(this.rooms.size())));
	}

	String broadcast(String room) {
		Set<SimSession> members = new HashSet<>();
		Map<SimSession, Long> seqBefore = new IdentityHashMap<>();
		for (PulseConnection member : this.manager.connections(room)) {
			SimSession s = sim(member);
			members.add(s);
			if (s.engine.state == ConnectionState.OPEN) {
				seqBefore.put(s, s.engine.lastSeq);
			}
		}
		int message = newMessage(members);
		boolean wasUnordered = this.unordered;
		this.unordered = true;
		int recipients;
		try {
			recipients = this.manager.broadcast(room, "b", message);
		}
		finally {
			this.unordered = wasUnordered;
		}
		// a frame refused by drop-newest (or too big to ever fit) is counted as dropped without taking a seq
		for (Map.Entry<SimSession, Long> entry : seqBefore.entrySet()) {
			PulseSession p = entry.getKey().engine;
			if (p.state != ConnectionState.CLOSED && p.lastSeq == entry.getValue()) {
				this.dropsWithoutSeq++;
			}
		}
		String label = "broadcast #" + message + " to " + room + ": " + recipients + " of " + members.size();
		log(label);
		return label;
	}

	@Nullable String join(boolean join) {
		SimClient c = pick((client) -> client.session != null && !client.opening
				&& client.session.engine.state != ConnectionState.CLOSED);
		if (c == null) {
			return null;
		}
		String room = this.rooms.get(this.random.nextInt(this.rooms.size()));
		String outcome;
		try {
			outcome = String.valueOf(join ? c.session.engine.join(room) : c.session.engine.leave(room));
		}
		catch (PulseException ex) {
			outcome = ex.getClass().getSimpleName();
		}
		String label = (join ? "join " : "leave ") + c + " " + room + ": " + outcome;
		log(label);
		return label;
	}

	@Nullable String ack(@Nullable SimClient c) {
		if (c == null) {
			return null;
		}
		PulseSession p = c.transport.session;
		if (p.transport == c.transport && p.state != ConnectionState.CLOSED) {
			// the engine releases what is acknowledged on the session's current transport only
			SimSession s = sim(p);
			this.lostThisStep += diffRetained(s);
			s.confirmed = Math.max(s.confirmed, c.lastSeq);
		}
		return clientMessage(c, "{\"type\":\"ack\",\"seq\":" + c.lastSeq + "}");
	}

	/** The client sends a text frame: an ack, a message, a ping, or something that is not JSON. */
	@Nullable String clientMessage(@Nullable SimClient c, String text) {
		if (c == null) {
			return null;
		}
		SimTransport t = c.transport;
		String label = c + " sends " + text + " on " + t;
		log(label);
		PulseSession p = t.session;
		SimSession s = sim(p);
		if (p.transport == t && p.state != ConnectionState.CLOSED && s.held != null) {
			// any frame on the new transport shows the client holds the token of the resumed frame
			s.valid.remove(s.held);
			this.tokenOwners.remove(s.held);
			s.held = null;
		}
		this.manager.onText(p, t, text, text.length());
		return label;
	}

	@Nullable String read(@Nullable SimClient c) {
		if (c == null) {
			return null;
		}
		String on = String.valueOf(c.transport);
		int read = c.read(1 + this.random.nextInt(6));
		String label = c + " reads " + read + " frame(s) on " + on;
		log(label);
		return label;
	}

	/**
	 * The network drops the client's connection. The engine hears of it now (1006 or an error), later (an event),
	 * or never (half-open). {@code how}: "closed", "error", "later", "half-open", or {@code null} for a random one.
	 */
	@Nullable String cut(@Nullable SimClient c, @Nullable String how) {
		if (c == null) {
			return null;
		}
		SimTransport t = c.transport;
		if (how == null) {
			int roll = this.random.nextInt(20);
			how = (roll < 7) ? "closed" : (roll < 11) ? "error" : (roll < 16) ? "later" : "half-open";
		}
		String label = "cut " + c + " on " + t + " (" + how + ")";
		log(label);
		t.halfOpen = how.equals("half-open");
		t.broken();
		switch (how) {
			case "closed" -> {
				closingPeerGone(t);
				t.reported = true;
				t.engineKnowsDead = true;
				this.manager.onTransportClosed(t.session, t, PulseCloseStatus.NO_CLOSE_FRAME);
			}
			case "error" -> {
				closingPeerGone(t);
				t.reported = true;
				t.engineKnowsDead = true;
				this.manager.onTransportError(t.session, t);
			}
			case "later" -> schedule(t, "container noticed cut " + t, () -> notifyDead(t));
			default -> {
			}
		}
		return label;
	}

	/** The client closes with a close frame (1000), which the container echoes. */
	@Nullable String clientClose(@Nullable SimClient c) {
		if (c == null) {
			return null;
		}
		SimTransport t = c.transport;
		String label = c + " closes " + t + " (1000)";
		log(label);
		c.sessionOver = true;
		t.broken();
		closingPeerGone(t);
		t.reported = true;
		t.engineKnowsDead = true;
		this.manager.onTransportClosed(t.session, t, PulseCloseStatus.NORMAL);
		return label;
	}

	@Nullable String kick() {
		return kick(this.clients.get(this.random.nextInt(this.clients.size())));
	}

	String kick(SimClient c) {
		String label = "kick " + c.id + ": " + this.manager.kick(c.id);
		log(label);
		return label;
	}

	@Nullable String applicationClose() {
		SimClient c = pick((client) -> client.session != null && !client.opening
				&& client.session.engine.state != ConnectionState.CLOSED);
		if (c == null) {
			return null;
		}
		String label = "application closes " + c.session + " with 4005";
		log(label);
		c.session.engine.close(4005, "bye");
		return label;
	}

	@Nullable String stall(@Nullable SimClient c) {
		if (c == null) {
			return null;
		}
		String label = "stall " + c.transport + " (slow reader)";
		log(label);
		c.transport.stall();
		return label;
	}

	@Nullable String release() {
		List<SimTransport> stalled = new ArrayList<>();
		for (SimTransport t : this.transports) {
			if (t.stalled || !t.held.isEmpty()) {
				stalled.add(t);
			}
		}
		if (stalled.isEmpty()) {
			return null;
		}
		SimTransport t = stalled.get(this.random.nextInt(stalled.size()));
		String label = "release " + t + " (" + t.held.size() + " held)";
		log(label);
		t.release();
		return label;
	}

	@Nullable String failNextWrite(@Nullable SimClient c) {
		if (c == null) {
			return null;
		}
		String label = "the next write on " + c.transport + " fails";
		log(label);
		c.transport.failNext = true;
		return label;
	}

	@Nullable String shutdown() {
		if (this.shutDown) {
			return null;
		}
		log("shutdown");
		this.shutDown = true;
		boolean wasUnordered = this.unordered;
		this.unordered = true;
		try {
			this.manager.shutdown();
		}
		finally {
			this.unordered = wasUnordered;
		}
		if (!this.manager.isDraining()) {
			fail("not draining after shutdown");
		}
		return "shutdown";
	}

	/**
	 * The end of a run: no new work; pending events and tasks run, clients read everything; then (if the run did
	 * not) the engine shuts down, and time passes beyond every timeout. Graceful: every healthy transport completes
	 * inline from now on and every stall is released, so the shutdown flushes and each such client must end up with
	 * every frame of its session, received or accounted for.
	 */
	void finish(boolean graceful) {
		this.finalPhase = true;
		log("final phase" + (graceful ? " (graceful)" : ""));
		if (graceful) {
			for (SimTransport t : this.transports) {
				t.inlineOnly = true;
				if (t.stalled || !t.held.isEmpty()) {
					t.release();
				}
			}
		}
		settle();
		Map<SimClient, Long> expected = new IdentityHashMap<>();
		if (!this.shutDown) {
			for (SimClient c : this.clients) {
				SimTransport t = c.transport;
				if (graceful && t != null && c.firstRead && t.reachesClient() && !t.halfOpen
						&& t.session.transport == t && t.session.state == ConnectionState.OPEN) {
					expected.put(c, 0L);
				}
			}
			shutdown();
			for (SimClient c : expected.keySet()) {
				expected.put(c, c.session.engine.lastSeq);
			}
			afterStep();
		}
		settle();
		for (int i = 0; i < 3; i++) {
			this.now += this.settings.writeTimeout().toNanos() + this.tickPeriodNanos;
			tick();
			afterStep();
			settle();
		}
		for (Map.Entry<SimClient, Long> entry : expected.entrySet()) {
			SimClient c = entry.getKey();
			SimSession s = c.session;
			if (!c.sessionOver) {
				fail(c + " did not read the close frame of the graceful shutdown");
			}
			if (c.replayLeft > 0) {
				fail(c + " still waits for " + c.replayLeft + " replayed frame(s)");
			}
			for (long seq = c.lastSeq + 1; seq <= entry.getValue(); seq++) {
				if (!s.lost.contains(seq)) {
					fail(c + " never got seq " + seq + " of " + s + " (lastSeq " + c.lastSeq + " of "
							+ entry.getValue() + "), which the engine did not drop");
				}
			}
		}
		checkEnd();
	}

	/** Runs every pending event and task and lets clients read, until nothing is left. */
	void settle() {
		for (int i = 0; i < 100_000; i++) {
			if (!this.events.isEmpty()) {
				runEvent();
			}
			else if (!this.tasks.isEmpty()) {
				runTask();
			}
			else {
				SimClient reader = pick((c) -> c.transport != null && !c.transport.inbox.isEmpty());
				if (reader == null) {
					return;
				}
				read(reader);
			}
			afterStep();
		}
		fail("the world did not settle");
	}

	// ---- invariants

	private void afterStep() {
		if (this.failure != null) {
			throw new Violation(this.failure);
		}
		boolean afterTick = this.ticked;
		this.ticked = false;
		checkInvariants(afterTick);
	}

	/**
	 * Checks, after every step:
	 * <ul>
	 * <li>listener callbacks: all delivered, one at a time per session, onConnect first, drop and restore
	 * alternating, at most one onDisconnect and nothing after it, and the last one matches the session's state;</li>
	 * <li>counts: connectionCount() and suspendedCount() equal the OPEN and SUSPENDED sessions, the sessions map
	 * holds exactly the live sessions (one per id), rooms hold only live members and no empty room exists, the
	 * live resume tokens are exactly those the token model says resume a session;</li>
	 * <li>the flushing set holds exactly the closing sessions, each with a write in flight (else its close frame
	 * should have been handed over); after a tick none whose write outlived the write timeout;</li>
	 * <li>after a tick: no suspended session past its window, no open session past its write, heartbeat or idle
	 * timeout;</li>
	 * <li>an open session with queued frames has a write in flight (no stuck writer); queued frames and bytes stay
	 * within the resume buffer plus the send buffer (the send buffer alone without resume);</li>
	 * <li>every frame the engine no longer holds was acknowledged, delivered (without resume) or counted by the
	 * observer as dropped: the observer's drop count equals what disappeared; every gap a client saw is such a
	 * drop;</li>
	 * <li>transports: the one a session holds is not closed; one it let go of, whose death it was not told of, was
	 * closed or aborted (no socket attached to nothing).</li>
	 * </ul>
	 */
	void checkInvariants(boolean afterTick) {
		int open = 0;
		int suspended = 0;
		Set<String> liveIds = new HashSet<>();
		long lostNow = this.lostThisStep;
		long lostByClosed = 0;
		this.lostThisStep = 0;
		for (SimSession s : this.sessions) {
			if (s.settled) {
				continue;
			}
			PulseSession p = s.engine;
			if (!p.callbacks.isEmpty() || p.delivering) {
				fail("listener callbacks of " + s + " left undelivered after the step");
			}
			ConnectionState state = p.state;
			String last = s.events.isEmpty() ? "(none)" : s.events.get(s.events.size() - 1);
			boolean consistent = switch (state) {
				case OPEN -> last.equals("connect") || last.equals("restore");
				case SUSPENDED -> last.equals("drop");
				case CLOSED -> s.disconnected;
			};
			if (!consistent) {
				fail(s + " is " + state + " but its callbacks were " + s.events);
			}
			if (state == ConnectionState.CLOSED) {
				if (!s.closedChecked) {
					s.closedChecked = true;
					// what it dropped in the step that ended it, together with what its end cleared (not counted)
					lostByClosed += diffRetained(s);
					if (this.manager.connection(p.id()) == p) {
						fail("ended " + s + " is still in the sessions map");
					}
					if (!s.valid.isEmpty()) {
						fail("ended " + s + " still has tokens");
					}
				}
				boolean holds = p.transport != null || p.writer.closing;
				if (holds && !this.flushing.contains(p)) {
					fail("ended " + s + " still holds " + p.transport + " (closing " + p.writer.closing
							+ ") outside the flushing set");
				}
				if (!holds && !this.flushing.contains(p)) {
					s.settled = true;
				}
				continue;
			}
			if (!liveIds.add(p.id())) {
				fail("two live sessions with id " + p.id());
			}
			if (this.manager.connection(p.id()) != p) {
				fail("live " + s + " is not in the sessions map");
			}
			if (state == ConnectionState.OPEN) {
				open++;
				if (p.transport == null) {
					fail("open " + s + " has no transport");
				}
				else if (!p.writer.writing && p.buffer.peek() != null) {
					fail("open " + s + " has frames queued and no write in flight (stuck writer)");
				}
				if (afterTick && untouchedByTick(p)) {
					long writeTimeout = this.settings.writeTimeout().toNanos();
					if (p.writer.writing && this.now - p.writer.writeStartedNanos >= writeTimeout) {
						fail("after a tick " + s + " still has a write older than the write timeout");
					}
					if (p.pingOutstanding && p.lastInboundNanos - p.pingSentNanos < 0
							&& this.now - p.pingSentNanos >= this.settings.heartbeatTimeout().toNanos()) {
						fail("after a tick " + s + " is past its heartbeat timeout");
					}
					Duration idle = this.settings.idleTimeout();
					if (idle != null && this.now - p.lastMessageNanos >= idle.toNanos()) {
						fail("after a tick " + s + " is past its idle timeout");
					}
				}
			}
			else {
				suspended++;
				if (p.transport != null) {
					fail("suspended " + s + " holds " + p.transport);
				}
				if (afterTick && untouchedByTick(p) && isExpiring(s)) {
					fail("after a tick " + s + " is suspended past its resume window");
				}
			}
			for (String room : p.roomSet()) {
				Set<PulseSession> members = this.manager.roomRegistry().members(room);
				if (members == null || !members.contains(p)) {
					fail(s + " is in " + room + " but the room does not have it");
				}
			}
			FrameBuffer buffer = p.buffer;
			if (this.resumeEnabled) {
				if (buffer.retainedFrames() > this.settings.resumeBufferFrames() + this.settings.sendBufferFrames()
						|| buffer.retainedBytes() > this.settings.resumeBufferBytes()
								+ this.settings.sendBufferBytes()) {
					fail(s + " (" + state + ") retains " + buffer.retainedFrames() + " frames, "
							+ buffer.retainedBytes() + " bytes: more than the resume buffer ("
							+ this.settings.resumeBufferFrames() + ", " + this.settings.resumeBufferBytes()
							+ ") plus the send buffer (" + this.settings.sendBufferFrames() + ", "
							+ this.settings.sendBufferBytes() + ")");
				}
			}
			else if (buffer.pendingMessages() > this.settings.sendBufferFrames()
					|| buffer.retainedBytes() > this.settings.sendBufferBytes()) {
				fail(s + " queues " + buffer.pendingMessages() + " frames, " + buffer.retainedBytes()
						+ " bytes: more than the send buffer");
			}
			lostNow += diffRetained(s);
		}
		if (this.manager.connectionCount() != open || this.manager.suspendedCount() != suspended) {
			fail("connectionCount " + this.manager.connectionCount() + ", suspendedCount "
					+ this.manager.suspendedCount() + "; sessions: " + open + " open, " + suspended + " suspended");
		}
		if (this.manager.connections().size() != open + suspended) {
			fail("sessions map has " + this.manager.connections().size() + " sessions, " + (open + suspended)
					+ " are live");
		}
		for (Map.Entry<String, Set<PulseSession>> room : this.manager.roomRegistry().view().entrySet()) {
			if (room.getValue().isEmpty()) {
				fail("room " + room.getKey() + " is empty but exists");
			}
			for (PulseSession member : room.getValue()) {
				if (member.state == ConnectionState.CLOSED || !member.roomSet().contains(room.getKey())) {
					fail("room " + room.getKey() + " has " + sim(member) + " (" + member.state + ")");
				}
			}
		}
		if (this.manager.tokens().liveCount() != this.tokenOwners.size()) {
			fail("the engine holds " + this.manager.tokens().liveCount() + " live tokens, the model "
					+ this.tokenOwners.size() + " " + tokenModel());
		}
		for (PulseSession p : this.flushing) {
			SimSession s = sim(p);
			if (p.state != ConnectionState.CLOSED || !p.writer.closing || p.transport == null) {
				fail(s + " in the flushing set: " + p.state + ", closing " + p.writer.closing + ", " + p.transport);
			}
			if (!p.writer.writing) {
				fail("closing " + s + " has no write in flight, yet its close frame was not handed over");
			}
			if (afterTick && this.now - p.writer.writeStartedNanos >= this.settings.writeTimeout().toNanos()) {
				fail("after a tick closing " + s + " is still in the flushing set past its write timeout");
			}
		}
		checkDrops(lostNow, lostByClosed);
		checkTransports();
	}

	private boolean untouchedByTick(PulseSession p) {
		Long epoch = this.epochsBeforeTick.get(p);
		return epoch != null && epoch == p.epoch;
	}

	private String tokenModel() {
		StringBuilder model = new StringBuilder("[");
		for (SimSession s : this.sessions) {
			if (!s.valid.isEmpty()) {
				model.append(s).append(": ").append(s.valid.size()).append(s.held != null ? " (held)" : "")
					.append("; ");
			}
		}
		return model.append(']').toString();
	}

	/** The seqs this session's buffer lost since the last step, added to its lost set. */
	private long diffRetained(SimSession s) {
		PulseSession p = s.engine;
		List<OutFrame.Message> messages = p.buffer.messages();
		long[] now = new long[messages.size()];
		for (int i = 0; i < now.length; i++) {
			now[i] = messages.get(i).seq;
		}
		Arrays.sort(now);
		long lastSeq = p.lastSeq;
		long lost = 0;
		for (long seq : s.snapshot) {
			lost += lostIfGone(s, now, seq);
		}
		for (long seq = s.snapshotLastSeq + 1; seq <= lastSeq; seq++) {
			lost += lostIfGone(s, now, seq);
		}
		s.snapshot = now;
		s.snapshotLastSeq = lastSeq;
		return lost;
	}

	private int lostIfGone(SimSession s, long[] retained, long seq) {
		if (Arrays.binarySearch(retained, seq) >= 0 || seq <= s.confirmed || s.lost.contains(seq)) {
			return 0;
		}
		if (!this.resumeEnabled && s.written.contains(seq)) {
			// without resume a written frame is not kept
			return 0;
		}
		s.lost.add(seq);
		return 1;
	}

	private void checkDrops(long lostNow, long lostByClosed) {
		long counted = this.observedDrops - this.dropsWithoutSeq;
		this.observedDrops = 0;
		this.dropsWithoutSeq = 0;
		if (counted < lostNow || counted > lostNow + lostByClosed) {
			fail("the observer counted " + counted + " dropped frame(s) with a seq this step, the buffers of live "
					+ "sessions lost " + lostNow + (lostByClosed > 0 ? ", of sessions ended in it " + lostByClosed : ""));
		}
		for (Object[] gap : this.gapChecks) {
			SimSession s = (SimSession) gap[1];
			long seq = (long) gap[2];
			if (!s.lost.contains(seq)) {
				fail(gap[0] + " saw seq " + seq + " of " + s + " missing " + (((boolean) gap[3]) ? "on a live transport"
						: "within the range resumed announced as missed") + ", but the engine never dropped it");
			}
		}
		this.gapChecks.clear();
	}

	private void checkTransports() {
		for (int i = this.firstUnsettledTransport; i < this.transports.size(); i++) {
			SimTransport t = this.transports.get(i);
			PulseSession p = t.session;
			if (p == null || t.settled) {
				continue;
			}
			boolean attached = p.transport == t;
			int closes = t.closesQueued + t.abortsQueued;
			if (attached && closes > 0) {
				fail(sim(p) + " still holds " + t + ", which it closed or aborted");
			}
			if (!attached && closes == 0 && !t.engineKnowsDead && this.manager.isLeaving(t)) {
				// let go of during a write: its close frame follows that write, or it is dropped once the write
				// outlives the write timeout (the sweep on the next tick past it); checked again after each step
				continue;
			}
			if (!attached && closes == 0 && !t.engineKnowsDead) {
				fail("the engine let go of " + t + " (of " + sim(p) + ", " + p.state
						+ ") without closing or aborting it: a socket attached to nothing");
			}
			// once let go of, a transport is never taken back: what is left to check is done on each call
			t.settled = !attached;
		}
		while (this.firstUnsettledTransport < this.transports.size()
				&& this.transports.get(this.firstUnsettledTransport).settled) {
			this.firstUnsettledTransport++;
		}
	}

	/** After the final phase: nothing is left anywhere, every session ended exactly once. */
	private void checkEnd() {
		for (SimSession s : this.sessions) {
			if (!s.disconnected || s.engine.state != ConnectionState.CLOSED) {
				fail(s + " did not end: " + s.engine.state + ", callbacks " + s.events);
			}
			if (this.flushing.contains(s.engine) || s.engine.transport != null) {
				fail(s + " still holds " + s.engine.transport + " after the end");
			}
		}
		if (!this.flushing.isEmpty() || !this.manager.connections().isEmpty() || this.manager.roomCount() != 0
				|| this.manager.tokens().liveCount() != 0 || this.manager.connectionCount() != 0
				|| this.manager.suspendedCount() != 0) {
			fail("left behind: flushing " + this.flushing.size() + ", sessions " + this.manager.connections().size()
					+ ", rooms " + this.manager.roomCount() + ", tokens " + this.manager.tokens().liveCount());
		}
		for (SimTransport t : this.transports) {
			if (t.session != null && t.closes + t.aborts == 0 && !t.engineKnowsDead) {
				fail(t + " was never closed nor aborted, and the engine was never told it is gone");
			}
		}
		if (!this.tasks.isEmpty() || !this.events.isEmpty()) {
			fail("work left: " + this.tasks.size() + " tasks, " + this.events.size() + " events");
		}
	}

	// ---- frame parsing

	static @Nullable String stringField(String json, String name) {
		String key = "\"" + name + "\":\"";
		int start = json.indexOf(key);
		if (start < 0) {
			return null;
		}
		start += key.length();
		return json.substring(start, json.indexOf('"', start));
	}

	static long numberField(String json, String name) {
		String key = "\"" + name + "\":";
		int start = json.indexOf(key);
		if (start < 0) {
			return -1;
		}
		start += key.length();
		int end = start;
		while (end < json.length() && (Character.isDigit(json.charAt(end)) || json.charAt(end) == '-')) {
			end++;
		}
		return Long.parseLong(json.substring(start, end));
	}

}
