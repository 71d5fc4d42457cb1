package io.github.pulse.cluster;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.SessionManager;
import io.github.pulse.core.SessionSnapshot;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/**
 * The snapshots of this node's sessions in Redis ({@code <prefix>session:<token key>}, see {@link SnapshotData}),
 * their token entries ({@code <prefix>token:<token key>}, naming this node) and send counters
 * ({@code <prefix>sends:<id>}): what another node needs to find a session's owner, and to rebuild the session if
 * this node dies. Written when a token is issued, when membership changes and on the heartbeat when the session
 * changed.
 */
final class SnapshotStore {

	private static final Log logger = LogFactory.getLog(SnapshotStore.class);

	private static final DefaultRedisScript<Long> WRITE = new DefaultRedisScript<>(ClusterScripts.WRITE_SNAPSHOT,
			Long.class);

	private final SessionManager manager;

	/** Counts of lost broadcasts sessions here are owed, written into their snapshots. */
	private final UntoldLosses losses;

	private final StringRedisTemplate redis;

	private final ClusterKeys keys;

	private final String nodeId;

	private final long tokenTtlMillis;

	private final long nodeTimeoutMillis;

	private final ClusterInbox inbox;

	/** The inbox's delivery lock: a snapshot's positions and the session's frames agree. */
	private final Lock deliveryLock;

	private final RedisAvailability availability;

	private final ObjectMapper json;

	private final ClusterPublisher publisher;

	private final WriteHolds holds;

	/** Local sessions that hold a resume token: their snapshot bookkeeping. */
	private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();

	SnapshotStore(SessionManager manager, StringRedisTemplate redis, ClusterKeys keys, String nodeId,
			long tokenTtlMillis, long nodeTimeoutMillis, ClusterInbox inbox, Lock deliveryLock,
			RedisAvailability availability, ObjectMapper json, ClusterPublisher publisher, WriteHolds holds,
			UntoldLosses losses) {
		this.losses = losses;
		this.publisher = publisher;
		this.holds = holds;
		this.manager = manager;
		this.redis = redis;
		this.keys = keys;
		this.nodeId = nodeId;
		this.tokenTtlMillis = tokenTtlMillis;
		this.nodeTimeoutMillis = nodeTimeoutMillis;
		this.inbox = inbox;
		this.deliveryLock = deliveryLock;
		this.availability = availability;
		this.json = json;
	}

	/**
	 * A token was issued to a session of this node (caller's thread, no Redis round trip): its entry and snapshot
	 * are queued in the pipeline, and the session's writes (the welcome or resumed frame with the token first) are
	 * held until the write went through, so that a resume on another node finds it. If another node took the
	 * session over meanwhile, the write leaves a tombstone and the next heartbeat ends the session here.
	 */
	void tokenIssued(PulseConnection session, String tokenKey, byte[] secretDigest) {
		// bookkeeping belongs to one session: a newer session with the same id gets its own
		Tracked entry = this.tracked.compute(session.id(),
				(id, existing) -> (existing != null && (existing.session == null || existing.session == session))
						? existing : new Tracked(id));
		synchronized (entry) {
			entry.session = session;
			String previous = entry.tokenKey;
			entry.tokenKey = tokenKey;
			entry.digest = Base64.getEncoder().encodeToString(secretDigest);
			if (!this.availability.available()) {
				// the first heartbeat that reaches Redis writes it
				entry.dirty = true;
				return;
			}
			Snapshot snapshot = read(entry, session, null, false);
			String base = (entry.sendBase >= 0) ? Long.toString(entry.sendBase) : "";
			String previousKey = (previous != null && !previous.equals(tokenKey)) ? this.keys.snapshot(previous) : "";
			// counts queued after this write find their base read first (one pipeline, in order)
			entry.basePending = entry.sendBase < 0;
			queue(entry, session, snapshot, (connection) -> connection.eval(ClusterScripts.ISSUE, ReturnType.INTEGER, 3,
					this.keys.snapshot(tokenKey), this.keys.sends(session.id()), this.keys.token(tokenKey),
					Long.toString(snapshot.version()), snapshot.json(), Long.toString(this.tokenTtlMillis), base,
					this.nodeId, previousKey));
		}
	}

	/**
	 * A session of this node joins or leaves a room (caller's thread, no Redis round trip): the change applies here
	 * at once; the snapshot recording it is queued in the pipeline before, and the session's writes are held until
	 * it went through, so that the client gets no frame of the room Redis does not know it may have.
	 */
	boolean changeMembership(PulseConnection session, String room, boolean join, BooleanSupplier apply) {
		Tracked entry = this.tracked.get(session.id());
		if (entry == null) {
			return apply.getAsBoolean();
		}
		synchronized (entry) {
			// recorded before it takes effect: if this node dies now, the room's broadcasts after this point are
			// counted as possibly received (never replayed); the next snapshot makes them exact again
			if (this.availability.available() && entry.tokenKey != null) {
				Snapshot snapshot = read(entry, session, room, join);
				String base = (entry.sendBase >= 0) ? Long.toString(entry.sendBase) : "";
				queue(entry, session, snapshot, (connection) -> connection.eval(ClusterScripts.WRITE_SNAPSHOT,
						ReturnType.INTEGER, 2, this.keys.snapshot(snapshot.tokenKey()), this.keys.sends(entry.connectionId),
						Long.toString(snapshot.version()), snapshot.json(), Long.toString(this.tokenTtlMillis), base));
			}
			entry.dirty = true;
			return apply.getAsBoolean();
		}
	}

	/**
	 * Queues a snapshot write and holds the session's writes until its batch went through or failed (or the hold
	 * timed out); call holding the entry's monitor.
	 */
	private void queue(Tracked entry, PulseConnection session, Snapshot snapshot,
			java.util.function.Consumer<StringRedisConnection> write) {
		Runnable release = this.holds.hold(session);
		boolean queued = this.publisher.offer(write, (sent) -> {
			synchronized (entry) {
				if (sent) {
					entry.written(snapshot);
				}
				else {
					// the heartbeat writes it once Redis answers again
					entry.dirty = true;
					entry.basePending = false;
				}
			}
			release.run();
		});
		if (!queued) {
			entry.dirty = true;
			entry.basePending = false;
			release.run();
		}
	}

	/**
	 * Counts a direct send to a session of this node (caller's thread, no Redis round trip): the count is queued in
	 * the pipeline and the session's writes are held until it went through. A count whose batch failed is sent again
	 * by the next heartbeat (at worst twice: a resume after this node's death then over-counts {@code missed}, it
	 * never loses a frame silently).
	 * @return whether it is counted
	 */
	boolean countDirectSend(String connectionId) {
		Tracked entry = this.tracked.get(connectionId);
		PulseConnection session = (entry != null) ? entry.session : null;
		if (entry == null || session == null || !this.availability.available()
				|| (entry.sendBase < 0 && !entry.basePending)) {
			// not counted: the next snapshot covers it (see docs/scaling.md, Redis away)
			return false;
		}
		Runnable release = this.holds.hold(session);
		boolean queued = this.publisher.offer((connection) -> connection.eval(ClusterScripts.COUNT_SEND,
				ReturnType.INTEGER, 1, this.keys.sends(connectionId), Long.toString(this.tokenTtlMillis)), (sent) -> {
					if (!sent) {
						entry.unsentCounts.incrementAndGet();
					}
					release.run();
				});
		if (!queued) {
			release.run();
		}
		return queued;
	}

	/**
	 * A session ended: its bookkeeping goes unless it belongs to the live session now under the id.
	 * @param connectionId the id
	 * @param live the session live under the id now, if any
	 * @return the token key whose snapshot is to be deleted, or {@code null}
	 */
	@Nullable String sessionEnded(String connectionId, @Nullable PulseConnection live) {
		Tracked entry = this.tracked.get(connectionId);
		if (entry != null && (live == null || (entry.session != null && entry.session != live))) {
			this.tracked.remove(connectionId, entry);
			return entry.tokenKey;
		}
		return null;
	}

	/**
	 * Whether a direct send another node counted in the connection's send counter counts for its session here.
	 * @param connectionId the connection
	 * @param counter the counter's value for the send
	 * @return whether it is above the session's base
	 */
	boolean counted(String connectionId, long counter) {
		Tracked entry = this.tracked.get(connectionId);
		return entry != null && entry.sendBase >= 0 && counter > entry.sendBase;
	}

	/**
	 * The send counter base of each tracked session, read before a hand-over ends the session's bookkeeping.
	 * @return the bases by connection id (-1 where unknown)
	 */
	Map<String, Long> sendBases() {
		Map<String, Long> bases = new java.util.HashMap<>();
		this.tracked.values().forEach((entry) -> bases.put(entry.connectionId, entry.sendBase));
		return bases;
	}

	/**
	 * A session is being adopted here (handed over or rebuilt): counting carries on from the given base; the new
	 * token's snapshot is written when the session is attached.
	 * @param connectionId the connection
	 * @param sendBase the counter base, or -1
	 */
	void adopting(String connectionId, long sendBase) {
		Tracked entry = new Tracked(connectionId);
		entry.sendBase = sendBase;
		this.tracked.put(connectionId, entry);
	}

	// ---- heartbeat

	/**
	 * Reads what this heartbeat writes: the changed snapshots, and the sessions whose keys it refreshes.
	 * @return the work, heartbeat thread only
	 */
	Refresh prepare() {
		Refresh refresh = new Refresh();
		for (Tracked entry : new ArrayList<>(this.tracked.values())) {
			PulseConnection session = this.manager.connection(entry.connectionId);
			if (session == null || entry.tokenKey == null || (entry.session != null && entry.session != session)) {
				continue;
			}
			if (entry.sendBase < 0) {
				// issued while Redis was away: written after the refresh, synchronously, to learn the send counter
				refresh.needsBase.add(entry);
			}
			synchronized (entry) {
				refresh.tokenKeys.add(Objects.requireNonNull(entry.tokenKey));
				refresh.refreshed.add(entry);
				Snapshot snapshot = (entry.sendBase < 0 || !this.availability.available()) ? null
						: readIfChanged(entry, session);
				if (snapshot != null) {
					refresh.snapshots.add(snapshot);
					refresh.changed.add(entry);
				}
			}
		}
		return refresh;
	}

	/**
	 * Writes the changed snapshots, in the heartbeat's pipeline.
	 */
	void writeChanged(StringRedisConnection strings, Refresh refresh) {
		for (int i = 0; i < refresh.snapshots.size(); i++) {
			Tracked entry = refresh.changed.get(i);
			Snapshot snapshot = refresh.snapshots.get(i);
			strings.eval(ClusterScripts.WRITE_SNAPSHOT, ReturnType.INTEGER, 2, this.keys.snapshot(snapshot.tokenKey()),
					this.keys.sends(entry.connectionId), Long.toString(snapshot.version()), snapshot.json(),
					Long.toString(this.tokenTtlMillis), (entry.sendBase >= 0) ? Long.toString(entry.sendBase) : "");
		}
	}

	/**
	 * After the heartbeat's pipeline: records the snapshots written, refreshes every tracked session's keys, ends the
	 * sessions another node took over, and writes those that still lack a send counter base.
	 */
	void refresh(Refresh refresh) {
		for (int i = 0; i < refresh.snapshots.size(); i++) {
			Tracked entry = refresh.changed.get(i);
			synchronized (entry) {
				entry.written(refresh.snapshots.get(i));
			}
		}
		List<Object> taken = this.redis.executePipelined((RedisCallback<?>) (connection) -> {
			StringRedisConnection strings = new DefaultStringRedisConnection(connection);
			for (int i = 0; i < refresh.refreshed.size(); i++) {
				String id = refresh.refreshed.get(i).connectionId;
				strings.eval(ClusterScripts.REFRESH, ReturnType.INTEGER, 4, this.keys.snapshot(refresh.tokenKeys.get(i)),
						this.keys.token(refresh.tokenKeys.get(i)), this.keys.connection(id), this.keys.sends(id),
						this.nodeId, Long.toString(this.tokenTtlMillis), Long.toString(this.nodeTimeoutMillis));
			}
			return null;
		});
		for (int i = 0; i < taken.size() && i < refresh.refreshed.size(); i++) {
			if (Long.valueOf(1).equals(taken.get(i))) {
				// resumed elsewhere while this node was taken for dead: one session, and it is over there
				logger.warn("pulse cluster: session " + refresh.refreshed.get(i).connectionId
						+ " was resumed on another node while this node was cut off; ending it here");
				this.manager.endTakenOver(refresh.refreshed.get(i).connectionId);
			}
		}
		for (Tracked entry : refresh.needsBase) {
			PulseConnection session = this.manager.connection(entry.connectionId);
			if (session != null) {
				synchronized (entry) {
					write(entry, read(entry, session, null, false));
				}
			}
		}
		for (Tracked entry : refresh.refreshed) {
			long unsent = entry.unsentCounts.getAndSet(0);
			if (unsent > 0) {
				// counted here, lost on the way: after the base, so the counter is base + counted sends again
				try {
					this.redis.opsForValue().increment(this.keys.sends(entry.connectionId), unsent);
				}
				catch (RuntimeException ex) {
					entry.unsentCounts.addAndGet(unsent);
					throw ex;
				}
			}
		}
	}

	/**
	 * Ids of the sessions whose directory entry the refresh rewrites.
	 */
	static Collection<String> refreshedIds(Refresh refresh) {
		return refresh.refreshed.stream().map((entry) -> entry.connectionId).toList();
	}

	// ---- reading and writing one snapshot

	/** A consistent snapshot of a session: call holding the entry's monitor. */
	private Snapshot read(Tracked entry, PulseConnection session, @Nullable String room, boolean join) {
		SessionSnapshot view;
		long global;
		Map<String, Long> owed;
		Map<String, String> rooms = new LinkedHashMap<>();
		this.deliveryLock.lock();
		try {
			view = this.manager.snapshot(session);
			global = this.inbox.delivered();
			// counts the room watermarks below are past (delivery lock: a count is owed as its room's number moves)
			owed = this.losses.peek(view.connectionId());
			for (String member : view.rooms()) {
				rooms.put(member, watermark(member));
			}
			if (room != null && join && !rooms.containsKey(room)) {
				// broadcasts to it after this point may or may not reach the session before the snapshot is redone
				rooms.put(room, "?" + watermark(room));
			}
			else if (room != null && !join && rooms.containsKey(room)) {
				rooms.put(room, "-" + watermark(room));
			}
		}
		finally {
			this.deliveryLock.unlock();
		}
		SnapshotData data = new SnapshotData(this.nodeId, view.connectionId(), view.principalName(),
				Objects.requireNonNull(entry.digest), view.attributes(), AttributeTypes.of(view.attributes()), rooms,
				view.lastSeq(), global, view.directSends(), owed.isEmpty() ? null : owed);
		try {
			return new Snapshot(Objects.requireNonNull(entry.tokenKey), ++entry.version,
					this.json.writeValueAsString(data), view.lastSeq(), view.directSends(), rooms);
		}
		catch (JacksonException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private @Nullable Snapshot readIfChanged(Tracked entry, PulseConnection session) {
		SessionSnapshot view = this.manager.snapshot(session);
		if (view.closed() || entry.digest == null) {
			return null;
		}
		if (!entry.dirty && view.lastSeq() == entry.writtenSeq && view.directSends() == entry.writtenDirect) {
			return null;
		}
		entry.dirty = false;
		return read(entry, session, null, false);
	}

	private void write(Tracked entry, Snapshot snapshot) {
		Long base = this.redis.execute(WRITE,
				List.of(this.keys.snapshot(snapshot.tokenKey()), this.keys.sends(entry.connectionId)),
				Long.toString(snapshot.version()), snapshot.json(), Long.toString(this.tokenTtlMillis),
				(entry.sendBase >= 0) ? Long.toString(entry.sendBase) : "");
		if (base != null) {
			entry.sendBase = base;
		}
		entry.written(snapshot);
	}

	private String watermark(String room) {
		Long n = this.inbox.roomNumber(room);
		return (n != null) ? n.toString() : "@";
	}

	/** What one heartbeat writes and refreshes. */
	static final class Refresh {

		final List<Tracked> refreshed = new ArrayList<>();

		final List<String> tokenKeys = new ArrayList<>();

		final List<Snapshot> snapshots = new ArrayList<>();

		final List<Tracked> changed = new ArrayList<>();

		final List<Tracked> needsBase = new ArrayList<>();

	}

	/** Snapshot bookkeeping of a local session; fields other than the volatile ones are guarded by the monitor. */
	static final class Tracked {

		final String connectionId;

		/** The session this bookkeeping belongs to; {@code null} while it is being adopted. */
		volatile @Nullable PulseConnection session;

		volatile @Nullable String tokenKey;

		volatile @Nullable String digest;

		/** Value of the send counter when the session started counting; -1 until known (learnt by the heartbeat). */
		volatile long sendBase = -1;

		/** Whether a queued write reads the base before any count queued after it. */
		volatile boolean basePending;

		/** Counts whose batch failed: the heartbeat sends them again. */
		final AtomicLong unsentCounts = new AtomicLong();

		long version;

		volatile boolean dirty = true;

		long writtenSeq = -1;

		long writtenDirect = -1;

		Tracked(String connectionId) {
			this.connectionId = connectionId;
		}

		void written(Snapshot snapshot) {
			this.writtenSeq = snapshot.seq();
			this.writtenDirect = snapshot.directSends();
			if (!SnapshotData.exact(snapshot.rooms())) {
				this.dirty = true;
			}
		}

	}

	/** A snapshot read from a session, to write. */
	record Snapshot(String tokenKey, long version, String json, long seq, long directSends,
			Map<String, String> rooms) {
	}

}
