package io.github.pulse.cluster;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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

	private static final DefaultRedisScript<Long> ISSUE = new DefaultRedisScript<>(ClusterScripts.ISSUE, Long.class);

	private static final DefaultRedisScript<Long> WRITE = new DefaultRedisScript<>(ClusterScripts.WRITE_SNAPSHOT,
			Long.class);

	private static final DefaultRedisScript<Long> COUNT_SEND = new DefaultRedisScript<>(ClusterScripts.COUNT_SEND,
			Long.class);

	private final SessionManager manager;

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

	/** Local sessions that hold a resume token: their snapshot bookkeeping. */
	private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();

	SnapshotStore(SessionManager manager, StringRedisTemplate redis, ClusterKeys keys, String nodeId,
			long tokenTtlMillis, long nodeTimeoutMillis, ClusterInbox inbox, Lock deliveryLock,
			RedisAvailability availability, ObjectMapper json) {
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
	 * A token was issued to a session of this node: its entry and snapshot are written before the client gets it.
	 * @return {@code false} if another node has taken the session over
	 */
	boolean tokenIssued(PulseConnection session, String tokenKey, byte[] secretDigest) {
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
				return true;
			}
			Snapshot snapshot = read(entry, session, null, false);
			try {
				Long base = this.redis.execute(ISSUE,
						List.of(this.keys.snapshot(tokenKey), this.keys.sends(session.id()), this.keys.token(tokenKey)),
						Long.toString(snapshot.version()), snapshot.json(), Long.toString(this.tokenTtlMillis),
						(entry.sendBase >= 0) ? Long.toString(entry.sendBase) : "", this.nodeId,
						(previous != null && !previous.equals(tokenKey)) ? this.keys.snapshot(previous) : "");
				if (base != null && base == -2) {
					// resumed on another node while this one was taken for dead
					entry.tokenKey = previous;
					return false;
				}
				if (base != null) {
					entry.sendBase = base;
				}
				entry.written(snapshot);
			}
			catch (RuntimeException ex) {
				entry.dirty = true;
				this.availability.failed(ex);
			}
			return true;
		}
	}

	/**
	 * A session of this node joins or leaves a room: recorded before it takes effect.
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
				try {
					write(entry, snapshot);
				}
				catch (RuntimeException ex) {
					this.availability.failed(ex);
				}
			}
			entry.dirty = true;
			return apply.getAsBoolean();
		}
	}

	/**
	 * Counts a direct send to a session of this node.
	 * @return whether it was counted
	 */
	boolean countDirectSend(String connectionId) {
		Tracked entry = this.tracked.get(connectionId);
		if (entry == null || entry.sendBase < 0 || !this.availability.available()) {
			// not counted: the next snapshot covers it (see docs/scaling.md, Redis away)
			return false;
		}
		try {
			Long value = this.redis.execute(COUNT_SEND, List.of(this.keys.sends(connectionId)),
					Long.toString(this.tokenTtlMillis));
			return value != null && value > entry.sendBase;
		}
		catch (RuntimeException ex) {
			this.availability.failed(ex);
			return false;
		}
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
		Map<String, String> rooms = new LinkedHashMap<>();
		this.deliveryLock.lock();
		try {
			view = this.manager.snapshot(session);
			global = this.inbox.delivered();
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
				view.lastSeq(), global, view.directSends());
		try {
			return new Snapshot(Objects.requireNonNull(entry.tokenKey), ++entry.version,
					this.json.writeValueAsString(data), view.lastSeq(), view.directSends(), rooms);
		}
		catch (JsonProcessingException ex) {
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

		/** Value of the send counter when the session started counting; -1 until known. */
		volatile long sendBase = -1;

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
