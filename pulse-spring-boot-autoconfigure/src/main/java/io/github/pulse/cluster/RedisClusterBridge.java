package io.github.pulse.cluster;

import java.security.MessageDigest;
import java.time.Duration;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.ClusterBridge;
import io.github.pulse.core.ClusterStatus;
import io.github.pulse.core.EncodedBody;
import io.github.pulse.core.HandoverState;
import io.github.pulse.core.OverflowPolicy;
import io.github.pulse.core.SessionManager;
import io.github.pulse.core.SessionSnapshot;
import io.github.pulse.core.Transport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.types.Expiration;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * {@link ClusterBridge} on Redis pub/sub and keys.
 * <ul>
 * <li>A broadcast is numbered cluster-wide and in its room, appended to its room's stream and published once on
 * the channel {@code <prefix>broadcast} by {@link ClusterPublisher}; every node, the publisher included, delivers
 * it from its {@link ClusterInbox} in that one order, filling gaps of its subscription from the streams (see
 * {@link BroadcastSequence}). Redis faults lose no broadcast silently (see docs/scaling.md).</li>
 * <li>The directory {@code <prefix>conn:<id>} maps a connection id to its node, with the node timeout as TTL,
 * rewritten on every heartbeat: when a node dies its entries expire. Send and kick by id look the node up and
 * publish on its command channel {@code <prefix>node:<nodeId>}.</li>
 * <li>Each node writes its live connection count to {@code <prefix>count:<nodeId>} and registers in the sorted set
 * {@code <prefix>nodes} (score: expiry time); the cluster count is their sum as of the last heartbeat.</li>
 * <li>Resume on another node: {@code <prefix>token:<lookup key>} names the node holding a resume token's session.
 * A node that receives a resume for a token it does not hold asks that node, on its command channel, to hand the
 * session over, and rebuilds it with the broadcasts the owner had not delivered to it, identified by their
 * cluster-wide numbers: every frame exactly once (see docs/scaling.md).</li>
 * <li>Resume after the owning node died: every broadcast is numbered in Redis and appended to a bounded per-room
 * stream by one script, and every node, the publisher included, delivers broadcasts in that order. Each session's
 * snapshot (identity, rooms with their stream watermarks, sequence number, counted direct sends) is kept in Redis;
 * another node claims it once, replays what the streams still hold after what the client received, and reports
 * the rest exactly in {@code missed} (see docs/scaling.md).</li>
 * </ul>
 * While Redis is unreachable, local serving goes on: broadcasts are held and sent when Redis is back, other
 * cross-node operations are dropped and counted, lookups fail at once, and the next successful heartbeat
 * re-registers every local connection.
 */
public class RedisClusterBridge implements ClusterBridge, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisClusterBridge.class);

	private static final DefaultRedisScript<Long> DELETE_IF_OWNER = new DefaultRedisScript<>(
			"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
			Long.class);

	/**
	 * Counts a direct send in the connection's send counter and publishes it to the node the directory names now
	 * (or the one looked up). KEYS: directory entry, send counter. ARGV: looked-up node, channel prefix,
	 * {@code <len>:<id>}, body, counter TTL (ms).
	 */
	private static final String SEND = """
			local owner = redis.call('GET', KEYS[1]) or ARGV[1]
			local v = redis.call('INCR', KEYS[2])
			redis.call('PEXPIRE', KEYS[2], ARGV[5])
			redis.call('PUBLISH', ARGV[2] .. owner, 'C' .. v .. ':' .. ARGV[3] .. ARGV[4])
			return v
			""";

	private static final DefaultRedisScript<Long> COUNT_SEND = new DefaultRedisScript<>(
			"local v = redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], ARGV[1]) return v", Long.class);

	/**
	 * Writes a session snapshot unless a newer version (or the tombstone of a claim) is there, with the send
	 * counter's base (read from the counter the first time). KEYS: snapshot, send counter. ARGV: version, JSON,
	 * TTL (ms), base or empty. Returns the base.
	 */
	private static final String WRITE_SNAPSHOT = """
			local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '-1')
			local base = ARGV[4]
			if base == '' then base = redis.call('GET', KEYS[2]) or '0' end
			if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[3])
			else redis.call('SET', KEYS[2], '0', 'PX', ARGV[3]) end
			if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'v', ARGV[1], 'j', ARGV[2], 'b', base) end
			redis.call('PEXPIRE', KEYS[1], ARGV[3])
			return tonumber(base)
			""";

	/**
	 * Writes a new token's entry and snapshot and deletes the previous token's snapshot, unless another node took
	 * the session over meanwhile (the previous snapshot is a claim's tombstone): then returns -2. KEYS: snapshot,
	 * send counter, token entry. ARGV: as {@link #WRITE_SNAPSHOT}, node, previous snapshot key or empty.
	 */
	private static final DefaultRedisScript<Long> ISSUE = new DefaultRedisScript<>("""
			if ARGV[6] ~= '' then
				if redis.call('HGET', ARGV[6], 'j') == '' then return -2 end
				redis.call('DEL', ARGV[6])
			end
			redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[3])
			""" + WRITE_SNAPSHOT, Long.class);

	/** Claims a snapshot once: leaves a tombstone no late write of the old owner can overwrite. */
	private static final DefaultRedisScript<String> CLAIM = new DefaultRedisScript<>("""
			local j = redis.call('HGET', KEYS[1], 'j')
			if not j or j == '' then return nil end
			local result = cjson.encode({j = j, b = redis.call('HGET', KEYS[1], 'b'), v = redis.call('HGET', KEYS[1], 'v')})
			redis.call('HSET', KEYS[1], 'v', '9000000000000000000', 'j', '')
			redis.call('PEXPIRE', KEYS[1], ARGV[1])
			redis.call('DEL', KEYS[2])
			return result
			""", String.class);

	/**
	 * Refreshes a session's token entry, directory entry, snapshot and send counter, unless another node took the
	 * session over (the snapshot is a claim's tombstone). KEYS: snapshot, token entry, directory entry, send counter.
	 * ARGV: node, token TTL, node timeout. Returns 1 if taken over.
	 */
	private static final String REFRESH = """
			if redis.call('HGET', KEYS[1], 'j') == '' then return 1 end
			redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
			redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
			redis.call('PEXPIRE', KEYS[1], ARGV[2])
			redis.call('PEXPIRE', KEYS[4], ARGV[2])
			return 0
			""";

	/** Puts a claimed snapshot back after a refused resume. */
	private static final DefaultRedisScript<Long> RESTORE = new DefaultRedisScript<>("""
			redis.call('HSET', KEYS[1], 'v', ARGV[1], 'j', ARGV[2], 'b', ARGV[3])
			redis.call('PEXPIRE', KEYS[1], ARGV[4])
			redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4])
			return 1
			""", Long.class);

	/**
	 * Reads, at one instant, what a resume after the owner's death needs: the global broadcast counter, the send
	 * counter, and per room its counter, its stream after the snapshot's position, the room number at that
	 * position and its oldest entry. KEYS: global counter, send counter, then stream and counter per room, then the
	 * epoch. ARGV:
	 * the snapshot's global position.
	 */
	private static final DefaultRedisScript<String> READ_STATE = new DefaultRedisScript<>("""
			local function fields(entry)
				local n, b
				for i = 1, #entry[2], 2 do
					if entry[2][i] == 'n' then n = entry[2][i + 1] elseif entry[2][i] == 'b' then b = entry[2][i + 1] end
				end
				return {string.sub(entry[1], 1, string.find(entry[1], '-', 1, true) - 1), n, b}
			end
			local result = {gnow = redis.call('GET', KEYS[1]) or '0', sends = redis.call('GET', KEYS[2]) or '0',
				epoch = redis.call('GET', KEYS[#KEYS]) or '', rooms = {}}
			for i = 3, #KEYS - 1, 2 do
				local room = {rseq = redis.call('GET', KEYS[i + 1]) or '0', entries = {}}
				for _, entry in ipairs(redis.call('XRANGE', KEYS[i], '(' .. ARGV[1] .. '-0', '+')) do
					room.entries[#room.entries + 1] = fields(entry)
				end
				local before = redis.call('XREVRANGE', KEYS[i], ARGV[1] .. '-0', '-', 'COUNT', 1)
				if #before > 0 then room.natg = fields(before[1])[2] end
				local first = redis.call('XRANGE', KEYS[i], '-', '+', 'COUNT', 1)
				if #first > 0 then room.first = fields(first[1]) end
				result.rooms[#result.rooms + 1] = room
			end
			return cjson.encode(result)
			""", String.class);

	private final SessionManager manager;

	private final StringRedisTemplate redis;

	private final RedisConnectionFactory connectionFactory;

	private final String nodeId;

	private final String prefix;

	private final ClusterKeys keys;

	private final ClusterInbox inbox;

	/** The epoch this node proposes if it numbers the first broadcast of a Redis data set. */
	private final String proposedEpoch = UUID.randomUUID().toString();

	/** The cluster's position at the previous heartbeat: what is still undelivered one heartbeat later is lost. */
	private volatile ClusterMessage.@Nullable Position lastPosition;

	private final long heartbeatMillis;

	private final long nodeTimeoutMillis;

	private final ClusterPublisher publisher;

	private final AtomicLong publishFailures = new AtomicLong();

	private volatile boolean available;

	private volatile int nodes;

	private volatile Set<String> liveNodes = Set.of();

	private volatile long clusterConnections;

	private volatile @Nullable String lastError;

	private @Nullable RedisMessageListenerContainer listeners;

	private @Nullable ScheduledExecutorService heartbeat;

	private @Nullable ScheduledExecutorService watchdog;

	private volatile boolean running;

	// ---- cross-node resume

	private final ObjectMapper json = new ObjectMapper();

	private final long tokenTtlMillis;

	private final long localDeliveryMillis;

	/**
	 * Held shared by this node's broadcasts (number, deliver locally, record, queue) and exclusively while a
	 * session is handed over or adopted, so that a session's frames and the broadcast numbers agree.
	 */
	private final ReentrantReadWriteLock handoverLock = new ReentrantReadWriteLock();

	/** Sessions handed over to this node that got some of their old node's broadcasts directly; by id. */
	private final Map<String, DirectlyDelivered> directlyDelivered = new ConcurrentHashMap<>();

	private final Map<String, PendingResume> pendingResumes = new ConcurrentHashMap<>();

	private final Map<String, Moved> moved = new ConcurrentHashMap<>();

	// ---- resume after the owner died

	private final int streamRetention;

	private final long streamTtlMillis;

	/**
	 * Held while broadcasts and commands from Redis are delivered, while a session's snapshot is read and while a
	 * session whose owner died is rebuilt: the snapshot's positions and the session's frames agree.
	 */
	private final ReentrantLock deliveryLock = new ReentrantLock();

	private final Condition advanced = this.deliveryLock.newCondition();

	private final AtomicInteger waiting = new AtomicInteger();

	/** Local sessions that hold a resume token: their snapshot bookkeeping. */
	private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();

	/** Resumes of sessions whose owner died, being rebuilt here, by connection id. */
	private final Map<String, DeadPending> deadPending = new ConcurrentHashMap<>();

	private final AtomicLong deathResumes = new AtomicLong();

	private final AtomicLong recoveredFrames = new AtomicLong();

	private final AtomicLong missedFrames = new AtomicLong();

	/**
	 * Creates a bridge and connects the engine to it.
	 * @param manager the engine
	 * @param connectionFactory the application's Redis connections
	 * @param nodeId id of this node
	 * @param prefix prefix of every key and channel
	 * @param heartbeatInterval interval of registration refreshes
	 * @param nodeTimeout time after which a silent node's registration expires
	 * @param publishQueue bound of the queue of pending Redis operations
	 * @param streamRetention broadcasts kept per room in Redis for resumes after a node died
	 * @param localDeliveryTimeout time after which a broadcast of this node that has not come back from Redis is
	 * delivered to this node's members directly
	 */
	public RedisClusterBridge(SessionManager manager, RedisConnectionFactory connectionFactory, String nodeId,
			String prefix, Duration heartbeatInterval, Duration nodeTimeout, int publishQueue, int streamRetention,
			Duration localDeliveryTimeout) {
		if (localDeliveryTimeout.isNegative() || localDeliveryTimeout.isZero()) {
			throw new IllegalArgumentException(
					"pulse.cluster.local-delivery-timeout (" + localDeliveryTimeout + ") must be positive");
		}
		if (nodeTimeout.compareTo(heartbeatInterval) <= 0) {
			throw new IllegalArgumentException("pulse.cluster.node-timeout (" + nodeTimeout
					+ ") must be longer than pulse.cluster.heartbeat-interval (" + heartbeatInterval + ")");
		}
		if (streamRetention <= 0) {
			throw new IllegalArgumentException(
					"pulse.cluster.stream-retention (" + streamRetention + ") must be positive");
		}
		this.streamRetention = streamRetention;
		this.manager = manager;
		this.connectionFactory = connectionFactory;
		this.redis = new StringRedisTemplate(connectionFactory);
		this.nodeId = nodeId;
		this.prefix = prefix;
		this.keys = new ClusterKeys(prefix);
		this.heartbeatMillis = heartbeatInterval.toMillis();
		this.nodeTimeoutMillis = nodeTimeout.toMillis();
		this.inbox = new ClusterInbox(new InboxTarget(), this.redis, this.keys, Math.max(1024, publishQueue * 4),
				this.nodeTimeoutMillis);
		this.tokenTtlMillis = Math.max(manager.settings().resumeWindow().toMillis(), this.nodeTimeoutMillis);
		this.streamTtlMillis = this.tokenTtlMillis + this.nodeTimeoutMillis;
		this.localDeliveryMillis = localDeliveryTimeout.toMillis();
		this.publisher = new ClusterPublisher(this.redis, this.keys, nodeId, this.proposedEpoch, streamRetention,
				this.streamTtlMillis, this.localDeliveryMillis, this.nodeTimeoutMillis, publishQueue, new PublisherHost(),
				this.deliveryLock);
		this.inbox.onNewEpoch(this.publisher::epochObserved);
		manager.setClusterBridge(this);
	}

	// ---- ClusterBridge

	@Override
	public int broadcast(String room, EncodedBody body, IntSupplier localDelivery) {
		this.handoverLock.readLock().lock();
		try {
			// delivered here too when it comes back from Redis, in the order Redis numbered it: every node delivers
			// every broadcast in one order, which a resume after this node's death can reconstruct; while Redis is
			// away or slow, the publisher delivers it here directly and sends it when Redis is back
			int members = this.manager.localMembers(room);
			if (this.publisher.broadcast(room, body.text())) {
				return members;
			}
			// the queue is full: local members get it at once, the other nodes not at all
			int recipients = localDelivery.getAsInt();
			if (!this.pendingResumes.isEmpty()) {
				// not numbered: the resuming session gets it whatever the owner delivered
				Later later = new Later(Long.MAX_VALUE, room, body.text(), this.nodeId, -1);
				this.pendingResumes.values().forEach((pending) -> pending.later.add(later));
			}
			return recipients;
		}
		finally {
			this.handoverLock.readLock().unlock();
		}
	}

	@Override
	public boolean send(String connectionId, EncodedBody body) {
		String node = lookup(connectionId);
		if (node == null) {
			return false;
		}
		String text = body.text();
		return offer((connection) -> connection.eval(SEND, ReturnType.INTEGER, 2, this.keys.connection(connectionId),
				this.keys.sends(connectionId), node, this.keys.nodeChannelPrefix(), connectionId.length() + ":" + connectionId, text,
				Long.toString(this.tokenTtlMillis)));
	}

	@Override
	public boolean countDirectSend(String connectionId) {
		Tracked entry = this.tracked.get(connectionId);
		if (entry == null || entry.sendBase < 0 || !this.available || !this.running) {
			// not counted: the next snapshot covers it (see docs/scaling.md, Redis away)
			return false;
		}
		try {
			Long value = this.redis.execute(COUNT_SEND, List.of(this.keys.sends(connectionId)),
					Long.toString(this.tokenTtlMillis));
			return value != null && value > entry.sendBase;
		}
		catch (RuntimeException ex) {
			unavailable(ex);
			return false;
		}
	}

	@Override
	public boolean kick(String connectionId) {
		String node = lookup(connectionId);
		if (node == null) {
			return false;
		}
		return offer((connection) -> connection.publish(this.keys.nodeChannel(node), "K" + connectionId));
	}

	@Override
	public void sessionStarted(String connectionId) {
		offer((connection) -> connection.set(this.keys.connection(connectionId), this.nodeId,
				Expiration.milliseconds(this.nodeTimeoutMillis), SetOption.upsert()));
	}

	@Override
	public boolean tokenIssued(PulseConnection session, String tokenKey, byte[] secretDigest) {
		// bookkeeping belongs to one session: a newer session with the same id gets its own
		Tracked entry = this.tracked.compute(session.id(),
				(id, existing) -> (existing != null && (existing.session == null || existing.session == session))
						? existing : new Tracked(id));
		synchronized (entry) {
			entry.session = session;
			String previous = entry.tokenKey;
			entry.tokenKey = tokenKey;
			entry.digest = Base64.getEncoder().encodeToString(secretDigest);
			if (!this.available) {
				// the first heartbeat that reaches Redis writes it
				entry.dirty = true;
				return true;
			}
			// written before the client gets the token, so that a resume anywhere finds it
			Snapshot snapshot = readSnapshot(entry, session, null, false);
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
				unavailable(ex);
			}
			return true;
		}
	}

	@Override
	public boolean changeMembership(PulseConnection session, String room, boolean join, BooleanSupplier apply) {
		Tracked entry = this.tracked.get(session.id());
		if (entry == null) {
			return apply.getAsBoolean();
		}
		synchronized (entry) {
			// recorded before it takes effect: if this node dies now, the room's broadcasts after this point are
			// counted as possibly received (never replayed); the next snapshot makes them exact again
			if (this.available && entry.tokenKey != null) {
				Snapshot snapshot = readSnapshot(entry, session, room, join);
				try {
					writeSnapshot(entry, snapshot, null);
				}
				catch (RuntimeException ex) {
					unavailable(ex);
				}
			}
			entry.dirty = true;
			return apply.getAsBoolean();
		}
	}

	@Override
	public void sessionEnded(String connectionId) {
		// the engine removed the ended session first: a live one under the id is a newer session, whose directory
		// entry and bookkeeping (and so its snapshot) must stay
		PulseConnection live = this.manager.connection(connectionId);
		Tracked entry = this.tracked.get(connectionId);
		if (entry != null && (live == null || (entry.session != null && entry.session != live))) {
			this.tracked.remove(connectionId, entry);
		}
		else {
			entry = null;
		}
		String tokenKey = (entry != null) ? entry.tokenKey : null;
		if (live == null) {
			offer((connection) -> connection.eval(DELETE_IF_OWNER.getScriptAsString(), ReturnType.INTEGER, 1,
					this.keys.connection(connectionId), this.nodeId));
		}
		if (tokenKey != null) {
			offer((connection) -> connection.del(this.keys.snapshot(tokenKey)));
		}
	}

	@Override
	public RemoteResume resume(String token, String tokenKey, long lastSeq, Transport transport,
			ConnectDecision decision, @Nullable Principal principal) {
		if (!this.running) {
			return RemoteResume.UNKNOWN;
		}
		// asked even when the last heartbeat failed: one slow answer must not cost a client its session, and a
		// Redis that is really away fails this read at once
		String owner;
		try {
			owner = this.redis.opsForValue().get(this.keys.token(tokenKey));
		}
		catch (RuntimeException ex) {
			unavailable(ex);
			return RemoteResume.UNKNOWN;
		}
		if (owner == null || owner.equals(this.nodeId) || !this.liveNodes.contains(owner)) {
			// the owner died (or this node restarted under its id): rebuild the session from its snapshot
			return resumeDead(token, tokenKey, lastSeq, transport, decision, principal);
		}
		String requestId = UUID.randomUUID().toString();
		PendingResume pending = new PendingResume(decision, principal);
		String request;
		try {
			request = "R" + this.json.writeValueAsString(new HandoverRequest(requestId, this.nodeId, token, lastSeq,
					(principal != null) ? principal.getName() : null, decision.connectionId()));
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
		// registered and queued together, exclusively: a broadcast of this node is either queued before the request
		// (so the owner delivered it before handing over) or recorded for this resume
		this.handoverLock.writeLock().lock();
		try {
			this.pendingResumes.put(requestId, pending);
			if (!offer((connection) -> connection.publish(this.keys.nodeChannel(owner), request))) {
				this.pendingResumes.remove(requestId);
				return RemoteResume.UNKNOWN;
			}
		}
		finally {
			this.handoverLock.writeLock().unlock();
		}
		RemoteResume outcome = awaitHandover(requestId, pending, owner);
		if (outcome == null) {
			// no answer: if the owner is gone by now, its snapshot is the session's state
			return this.liveNodes.contains(owner) ? RemoteResume.UNKNOWN
					: resumeDead(token, tokenKey, lastSeq, transport, decision, principal);
		}
		PulseConnection adopted = outcome.connection();
		return (adopted != null)
				? new RemoteResume(this.manager.attachAdopted(adopted, transport, lastSeq), null) : outcome;
	}

	/**
	 * Waits for the owner's answer.
	 * @return the outcome, or {@code null} if the owner did not answer within the node timeout
	 */
	private @Nullable RemoteResume awaitHandover(String requestId, PendingResume pending, String owner) {
		try {
			return pending.result.get(this.nodeTimeoutMillis, TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			this.handoverLock.writeLock().lock();
			try {
				if (this.pendingResumes.remove(requestId) != null) {
					logger.warn("pulse cluster: node " + owner + " did not answer a resume hand-over within "
							+ this.nodeTimeoutMillis + " ms");
					return null;
				}
			}
			finally {
				this.handoverLock.writeLock().unlock();
			}
			// the answer is being applied right now
			return pending.result.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.pendingResumes.remove(requestId);
			return RemoteResume.UNKNOWN;
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException("Adopting a handed-over session failed", ex.getCause());
		}
	}

	@Override
	public ClusterStatus status() {
		return new ClusterStatus(this.nodeId, this.available, this.nodes, this.clusterConnections,
				this.publishFailures.get() + this.publisher.failures(), this.available ? null : this.lastError);
	}

	/**
	 * Id of this node.
	 * @return the node id
	 */
	public String nodeId() {
		return this.nodeId;
	}

	private @Nullable String lookup(String connectionId) {
		if (!this.available) {
			return null;
		}
		try {
			String node = this.redis.opsForValue().get(this.keys.connection(connectionId));
			return (node == null || node.equals(this.nodeId)) ? null : node;
		}
		catch (RuntimeException ex) {
			unavailable(ex);
			return null;
		}
	}

	private boolean offer(Consumer<StringRedisConnection> operation) {
		return this.publisher.offer(operation);
	}

	/** What the publisher needs of this bridge. */
	private final class PublisherHost implements ClusterPublisher.Host {

		@Override
		public boolean available() {
			return RedisClusterBridge.this.available;
		}

		@Override
		public void unavailable(Exception ex) {
			RedisClusterBridge.this.unavailable(ex);
		}

		@Override
		public void deliverLocally(ClusterPublisher.Broadcast broadcast) {
			RedisClusterBridge bridge = RedisClusterBridge.this;
			bridge.handoverLock.readLock().lock();
			try {
				bridge.manager.deliverBroadcast(broadcast.room, broadcast.body);
				if (!bridge.pendingResumes.isEmpty()) {
					// not numbered yet: the resuming session gets it whatever the owner delivered
					Later later = new Later(Long.MAX_VALUE, broadcast.room, broadcast.body, bridge.nodeId, -1);
					bridge.pendingResumes.values().forEach((pending) -> pending.later.add(later));
				}
			}
			finally {
				bridge.handoverLock.readLock().unlock();
			}
		}

	}

	// ---- heartbeat: registration, directory refresh, cluster counts

	void heartbeat() {
		try {
			Set<String> ids = new java.util.LinkedHashSet<>();
			for (PulseConnection connection : this.manager.connections()) {
				ids.add(connection.id());
			}
			List<Tracked> sessions = new ArrayList<>(this.tracked.values());
			List<Tracked> refreshed = new ArrayList<>();
			List<String> tokenKeys = new ArrayList<>();
			List<Snapshot> snapshots = new ArrayList<>();
			List<Tracked> changed = new ArrayList<>();
			List<Tracked> needsBase = new ArrayList<>();
			for (Tracked entry : sessions) {
				PulseConnection session = this.manager.connection(entry.connectionId);
				if (session == null || entry.tokenKey == null || (entry.session != null && entry.session != session)) {
					continue;
				}
				if (entry.sendBase < 0) {
					// issued while Redis was away: written below, synchronously, to learn the send counter
					needsBase.add(entry);
				}
				synchronized (entry) {
					tokenKeys.add(entry.tokenKey);
					refreshed.add(entry);
					ids.remove(entry.connectionId);
					Snapshot snapshot = (entry.sendBase < 0) ? null : this.available
							? readSnapshotIfChanged(entry, session) : null;
					if (snapshot != null) {
						snapshots.add(snapshot);
						changed.add(entry);
					}
				}
			}
			long now = System.currentTimeMillis();
			this.moved.values().removeIf((entry) -> entry.expiresAt < now);
			this.directlyDelivered.values().removeIf((entry) -> entry.expiresAt() < now);
			long expiry = now + this.nodeTimeoutMillis;
			Expiration ttl = Expiration.milliseconds(this.nodeTimeoutMillis);
			this.redis.executePipelined((RedisCallback<?>) (connection) -> {
				StringRedisConnection strings = new DefaultStringRedisConnection(connection);
				strings.zAdd(this.keys.nodes(), expiry, this.nodeId);
				strings.zRemRangeByScore(this.keys.nodes(), Double.NEGATIVE_INFINITY, now);
				strings.set(this.keys.count(this.nodeId), Integer.toString(this.manager.connectionCount()), ttl,
						SetOption.upsert());
				for (String id : ids) {
					strings.set(this.keys.connection(id), this.nodeId, ttl, SetOption.upsert());
				}
				for (String room : this.manager.rooms()) {
					// a room's numbering lives as long as it has members somewhere (snapshots refer to it), then
					// expires with its stream
					strings.pExpire(this.keys.roomSeq(room), this.streamTtlMillis);
				}
				for (int i = 0; i < snapshots.size(); i++) {
					Tracked entry = changed.get(i);
					Snapshot snapshot = snapshots.get(i);
					strings.eval(WRITE_SNAPSHOT, ReturnType.INTEGER, 2, this.keys.snapshot(snapshot.tokenKey()),
							this.keys.sends(entry.connectionId), Long.toString(snapshot.version()), snapshot.json(),
							Long.toString(this.tokenTtlMillis),
							(entry.sendBase >= 0) ? Long.toString(entry.sendBase) : "");
				}
				return null;
			});
			for (int i = 0; i < snapshots.size(); i++) {
				Tracked entry = changed.get(i);
				synchronized (entry) {
					entry.written(snapshots.get(i));
				}
			}
			List<Object> taken = this.redis.executePipelined((RedisCallback<?>) (connection) -> {
				StringRedisConnection strings = new DefaultStringRedisConnection(connection);
				for (int i = 0; i < refreshed.size(); i++) {
					String id = refreshed.get(i).connectionId;
					strings.eval(REFRESH, ReturnType.INTEGER, 4, this.keys.snapshot(tokenKeys.get(i)),
							this.keys.token(tokenKeys.get(i)), this.keys.connection(id), this.keys.sends(id), this.nodeId,
							Long.toString(this.tokenTtlMillis), Long.toString(this.nodeTimeoutMillis));
				}
				return null;
			});
			for (int i = 0; i < taken.size() && i < refreshed.size(); i++) {
				if (Long.valueOf(1).equals(taken.get(i))) {
					// resumed elsewhere while this node was taken for dead: one session, and it is over there
					logger.warn("pulse cluster: session " + refreshed.get(i).connectionId
							+ " was resumed on another node while this node was cut off; ending it here");
					this.manager.endTakenOver(refreshed.get(i).connectionId);
				}
			}
			for (Tracked entry : needsBase) {
				PulseConnection session = this.manager.connection(entry.connectionId);
				if (session != null) {
					synchronized (entry) {
						writeSnapshot(entry, readSnapshot(entry, session, null, false), null);
					}
				}
			}
			Set<String> live = this.redis.opsForZSet().rangeByScore(this.keys.nodes(), now, Double.POSITIVE_INFINITY);
			List<String> nodeIds = (live != null) ? new ArrayList<>(live) : List.of();
			long total = 0;
			int counted = 0;
			if (!nodeIds.isEmpty()) {
				List<String> counts = this.redis.opsForValue()
					.multiGet(nodeIds.stream().map(this.keys::count).toList());
				for (String count : (counts != null) ? counts : List.<String>of()) {
					if (count != null) {
						total += Long.parseLong(count);
						counted++;
					}
				}
			}
			this.liveNodes = Set.copyOf(nodeIds);
			checkPosition(readPosition(false));
			this.inbox.retainRooms(this.manager.rooms());
			this.inbox.retainPublishers(this.liveNodes);
			this.clusterConnections = total;
			// live means registered: the same view resume() decides by
			this.nodes = nodeIds.size();
			if (!this.available) {
				logger.info("pulse cluster: node " + this.nodeId + " reached Redis; cross-node features are back ("
						+ counted + " nodes, " + total + " connections)");
			}
			this.available = true;
			this.lastError = null;
		}
		catch (RuntimeException ex) {
			unavailable(ex);
		}
	}

	/**
	 * Where the cluster stands now: the epoch and the global broadcast counter.
	 */
	private ClusterMessage.Position readPosition(boolean baseline) {
		List<Object> read = this.redis.executePipelined((RedisCallback<?>) (connection) -> {
			StringRedisConnection strings = new DefaultStringRedisConnection(connection);
			strings.get(this.keys.epoch());
			strings.get(this.keys.globalSeq());
			return null;
		});
		String epoch = (read.get(0) != null) ? read.get(0).toString() : "";
		long g = (read.get(1) != null) ? Long.parseLong(read.get(1).toString()) : 0;
		return new ClusterMessage.Position(epoch, g, baseline);
	}

	/**
	 * Hands the inbox the position of the previous heartbeat: a broadcast numbered by then and still not delivered a
	 * heartbeat later was lost on the way (the last ones of a stream have no successor to show the gap).
	 */
	private void checkPosition(ClusterMessage.Position now) {
		ClusterMessage.Position previous = this.lastPosition;
		this.lastPosition = now;
		if (previous != null && previous.epoch().equals(now.epoch())) {
			// the inbox compares it with where it stands (in its epoch)
			this.inbox.positionRead(previous);
		}
	}

	private void unavailable(Exception ex) {
		this.lastError = ex.getClass().getSimpleName() + ": " + ex.getMessage();
		if (this.available) {
			logger.warn("pulse cluster: node " + this.nodeId + " lost Redis (" + this.lastError
					+ "); serving local connections only until it is back");
		}
		this.available = false;
	}

	// ---- inbound messages

	/**
	 * What the inbox delivers to: this node's members, the resumes waiting for broadcasts, and the commands.
	 */
	private final class InboxTarget implements ClusterInbox.Target {

		@Override
		public Set<String> neededRooms() {
			Set<String> rooms = new HashSet<>(RedisClusterBridge.this.manager.rooms());
			RedisClusterBridge.this.deadPending.values().forEach((pending) -> rooms.addAll(pending.rooms));
			return rooms;
		}

		@Override
		public int deliver(ClusterMessage.Broadcast broadcast, long lost) {
			RedisClusterBridge bridge = RedisClusterBridge.this;
			String body = (lost > 0) ? ",\"missed\":" + lost + broadcast.body() : broadcast.body();
			bridge.deliveryLock.lock();
			try {
				if (broadcast.node().equals(bridge.nodeId) && !bridge.publisher.claimReturned(broadcast.seq())) {
					// delivered here directly while Redis was slow or away
					return -1;
				}
				if (!bridge.pendingResumes.isEmpty()) {
					Later later = new Later(broadcast.g(), broadcast.room(), body, broadcast.node(), broadcast.seq());
					bridge.pendingResumes.values().forEach((pending) -> pending.later.add(later));
				}
				for (DeadPending pending : bridge.deadPending.values()) {
					if (pending.rooms.contains(broadcast.room())) {
						pending.broadcasts.add(new StreamEntry(broadcast.g(), broadcast.n(), broadcast.room(), body));
					}
				}
				int members = bridge.directlyDelivered.isEmpty() ? bridge.manager.deliverBroadcast(broadcast.room(), body)
						: bridge.manager.deliverBroadcast(broadcast.room(), body, bridge.alreadyHave(broadcast));
				if (bridge.waiting.get() > 0) {
					bridge.advanced.signalAll();
				}
				return members;
			}
			finally {
				bridge.deliveryLock.unlock();
			}
		}

		@Override
		public void advanced() {
			RedisClusterBridge bridge = RedisClusterBridge.this;
			if (bridge.waiting.get() > 0) {
				bridge.deliveryLock.lock();
				try {
					bridge.advanced.signalAll();
				}
				finally {
					bridge.deliveryLock.unlock();
				}
			}
		}

		@Override
		public void command(String text) {
			onCommand(text);
		}

	}

	private void onCommand(String text) {
		if (text.startsWith("C")) {
			// C<counter>:<length>:<id><body>, a direct send counted in the connection's send counter
			int first = text.indexOf(':');
			int second = text.indexOf(':', first + 1);
			long counter = Long.parseLong(text, 1, first, 10);
			int length = Integer.parseInt(text, first + 1, second, 10);
			String connectionId = text.substring(second + 1, second + 1 + length);
			String body = text.substring(second + 1 + length);
			Tracked entry = this.tracked.get(connectionId);
			boolean counted = entry != null && entry.sendBase >= 0 && counter > entry.sendBase;
			boolean delivered;
			// a session being rebuilt after its node died records it, atomically with reading its state
			this.deliveryLock.lock();
			try {
				delivered = this.manager.deliverSend(connectionId, body, counted)
						|| recordForDeadResume(connectionId, counter, body);
			}
			finally {
				this.deliveryLock.unlock();
			}
			if (!delivered) {
				forwardIfMoved(connectionId, text);
			}
		}
		else if (text.startsWith("K")) {
			String connectionId = text.substring(1);
			if (!this.manager.kickLocal(connectionId)) {
				forwardIfMoved(connectionId, text);
			}
		}
		else if (text.startsWith("R")) {
			onHandoverRequest(text.substring(1));
		}
		else if (text.startsWith("H")) {
			onHandoverReply(text.substring(1));
		}
		else {
			logger.warn("pulse cluster: ignored a malformed command");
		}
	}

	/**
	 * The sessions handed over here that got this broadcast directly on their old node; forgets those for which the
	 * old node's broadcasts have passed what they got (a node's broadcasts arrive in its order). Inbox thread.
	 */
	private Set<String> alreadyHave(ClusterMessage.Broadcast broadcast) {
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

	// ---- hand-over between nodes

	/**
	 * On the owning node: hand the session over, exclusively, so that the reply's broadcast numbers say exactly
	 * which broadcasts the session received here.
	 */
	private void onHandoverRequest(String text) {
		HandoverRequest request;
		try {
			request = this.json.readValue(text, HandoverRequest.class);
		}
		catch (JsonProcessingException ex) {
			logger.warn("pulse cluster: ignored a malformed hand-over request");
			return;
		}
		HandoverState state;
		long delivered;
		long directUpTo;
		long sendBase = -1;
		this.handoverLock.writeLock().lock();
		try {
			Map<String, Long> bases = new HashMap<>();
			this.tracked.values().forEach((entry) -> bases.put(entry.connectionId, entry.sendBase));
			state = this.manager.handOver(request.token(), request.principalName(), request.connectionId(),
					request.lastSeq());
			if (state != null) {
				sendBase = bases.getOrDefault(state.connectionId(), -1L);
			}
			// this is the inbox thread: the session has every broadcast of its rooms up to this number, no other
			delivered = this.inbox.delivered();
			// and those of this node's own that reached it directly (exclusive with direct deliveries, which hold
			// the read lock), which Redis numbers later
			directUpTo = this.publisher.lastDeliveredDirectly();
			if (state != null) {
				// sends and kicks that still reach this node follow the session for a while
				this.moved.put(state.connectionId(),
						new Moved(request.replyNode(), System.currentTimeMillis() + this.nodeTimeoutMillis));
			}
		}
		finally {
			this.handoverLock.writeLock().unlock();
		}
		HandoverReply reply = new HandoverReply(request.requestId(),
				(state != null) ? null : this.manager.resumeFailure(request.token()), state,
				(state != null) ? attributeTypes(state.attributes()) : Map.of(), delivered, sendBase, this.nodeId,
				directUpTo);
		String encoded;
		try {
			encoded = "H" + this.json.writeValueAsString(reply);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
		if (!offer((connection) -> connection.publish(this.keys.nodeChannel(request.replyNode()), encoded)) && state != null) {
			logger.warn("pulse cluster: could not queue the hand-over of " + state.connectionId() + " to node "
					+ request.replyNode() + "; the session is lost");
		}
	}

	/**
	 * On the resuming node: rebuild the session with the broadcasts the owner had not delivered to it, atomically
	 * with this node's own broadcasts (write lock) and the remote ones (this is the subscription thread).
	 */
	private void onHandoverReply(String text) {
		HandoverReply reply;
		try {
			reply = this.json.readValue(text, HandoverReply.class);
		}
		catch (JsonProcessingException ex) {
			logger.warn("pulse cluster: ignored a malformed hand-over reply");
			return;
		}
		// the session has every broadcast up to the owner's position: this node delivers up to there first, so
		// that what it delivers later is exactly what the session has not got
		this.inbox.catchUpTo(reply.delivered());
		this.handoverLock.writeLock().lock();
		try {
			PendingResume pending = this.pendingResumes.remove(reply.requestId());
			if (pending == null) {
				if (reply.state() != null) {
					logger.warn("pulse cluster: the hand-over of " + reply.state().connectionId()
							+ " arrived after the resume gave up; the session is lost");
				}
				return;
			}
			HandoverState state = reply.state();
			if (state != null) {
				// without the old node's counter base, counting starts afresh from the counter's value now
				state = new HandoverState(state.connectionId(), state.principalName(),
						typed(state.attributes(), reply.attributeTypes()), state.rooms(), state.lastSeq(),
						state.frames(), (reply.sendBase() >= 0) ? state.directSends() : 0);
			}
			if (state == null) {
				pending.result.complete(new RemoteResume(null,
						"expired".equals(reply.failure()) ? "expired" : "unknown"));
				return;
			}
			Set<String> rooms = new HashSet<>(state.rooms());
			List<String> later = new ArrayList<>();
			DirectlyDelivered direct = (reply.node() != null && reply.directUpTo() >= 0)
					? new DirectlyDelivered(reply.node(), reply.directUpTo(), System.currentTimeMillis() + this.nodeTimeoutMillis)
					: null;
			for (Later broadcast : pending.later) {
				if (rooms.contains(broadcast.room()) && broadcast.g() > reply.delivered()
						&& (direct == null || !direct.covers(broadcast.node(), broadcast.seq()))) {
					later.add(broadcast.body());
				}
			}
			try {
				// the send counter carries on: the new token's snapshot is written when the session is attached
				Tracked entry = new Tracked(state.connectionId());
				entry.sendBase = reply.sendBase();
				this.tracked.put(state.connectionId(), entry);
				PulseConnection connection = this.manager.adopt(state, later, pending.decision, pending.principal);
				if (direct != null) {
					this.directlyDelivered.put(state.connectionId(), direct);
				}
				pending.result.complete(new RemoteResume(connection, null));
			}
			catch (RuntimeException ex) {
				pending.result.completeExceptionally(ex);
				throw ex;
			}
		}
		finally {
			this.handoverLock.writeLock().unlock();
		}
	}

	// ---- resume after the owner died

	/**
	 * Rebuilds a session whose node died from its snapshot and the room streams. The session's frames after the
	 * snapshot are the broadcasts to its rooms after the snapshot's position, in the global order every node
	 * delivers in, and the direct sends counted after the snapshot, at unknown places among them. What the client
	 * has is the first {@code lastSeq - snapshot seq} of those; a retained broadcast is replayed only if it cannot
	 * be among them, whatever the unknown places; everything else after {@code lastSeq} is counted in
	 * {@code missed}.
	 */
	private RemoteResume resumeDead(String token, String tokenKey, long lastSeq, Transport transport,
			ConnectDecision decision, @Nullable Principal principal) {
		if (this.manager.settings().overflowPolicy() == OverflowPolicy.DROP_NEWEST) {
			// a broadcast dropped for a full buffer takes no sequence number: the streams cannot say which
			return RemoteResume.UNKNOWN;
		}
		Claimed claimed;
		try {
			String raw = this.redis.execute(CLAIM, List.of(this.keys.snapshot(tokenKey), this.keys.token(tokenKey)),
					Long.toString(this.tokenTtlMillis));
			if (raw == null) {
				return RemoteResume.UNKNOWN;
			}
			JsonNode node = this.json.readTree(raw);
			claimed = new Claimed(tokenKey, node.path("j").asText(), node.path("b").asLong(-1),
					node.path("v").asText(), this.json.readValue(node.path("j").asText(), SnapshotData.class));
		}
		catch (JsonProcessingException ex) {
			logger.warn("pulse cluster: ignored a malformed session snapshot");
			return RemoteResume.UNKNOWN;
		}
		catch (RuntimeException ex) {
			unavailable(ex);
			return RemoteResume.UNKNOWN;
		}
		SnapshotData snapshot = claimed.data();
		boolean ownerAlive = !snapshot.node().equals(this.nodeId) && this.liveNodes.contains(snapshot.node());
		boolean sameIdentity = Objects.equals(principal != null ? principal.getName() : null, snapshot.principal())
				&& (decision.connectionId() == null || decision.connectionId().equals(snapshot.id()));
		boolean secretMatches = MessageDigest.isEqual(Base64.getDecoder().decode(snapshot.digest()),
				SessionManager.secretDigest(token));
		// a session live here is never rebuilt from its own snapshot (it resumes locally, or not at all)
		boolean liveHere = snapshot.node().equals(this.nodeId) && this.manager.connection(snapshot.id()) != null;
		if (ownerAlive || liveHere || !secretMatches || !sameIdentity || claimed.base() < 0) {
			restore(claimed, snapshot);
			return RemoteResume.UNKNOWN;
		}
		DeadPending pending = new DeadPending(snapshot.rooms().keySet());
		this.deadPending.put(snapshot.id(), pending);
		PulseConnection adopted;
		Recovery recovery;
		try {
			// sends to the connection come here from now on; those that went to the dead node are counted
			this.redis.opsForValue().set(this.keys.connection(snapshot.id()), this.nodeId,
					Duration.ofMillis(this.nodeTimeoutMillis));
			List<String> keys = new ArrayList<>();
			keys.add(this.keys.globalSeq());
			keys.add(this.keys.sends(snapshot.id()));
			List<String> rooms = new ArrayList<>(snapshot.rooms().keySet());
			for (String room : rooms) {
				keys.add(this.keys.stream(room));
				keys.add(this.keys.roomSeq(room));
			}
			keys.add(this.keys.epoch());
			JsonNode state = this.json.readTree(this.redis.execute(READ_STATE, keys, Long.toString(snapshot.g())));
			long globalNow = state.path("gnow").asLong();
			// whatever up to there this node's subscription lost is filled in from the streams meanwhile
			this.inbox.positionRead(new ClusterMessage.Position(state.path("epoch").asText(), globalNow, false));
			if (!awaitDelivered(globalNow)) {
				logger.warn("pulse cluster: broadcasts up to " + globalNow + " did not arrive within "
						+ this.nodeTimeoutMillis + " ms; refusing the resume of " + snapshot.id());
				restore(claimed, snapshot);
				return RemoteResume.UNKNOWN;
			}
			try {
				// deliveries wait: nothing is delivered between what is counted here and the rooms joined below
				this.deadPending.remove(snapshot.id());
				recovery = recover(snapshot, claimed.base(), rooms, state, pending, lastSeq);
				if (recovery == null) {
					this.deliveryLock.unlock();
					restore(claimed, snapshot);
					return RemoteResume.UNKNOWN;
				}
				Tracked entry = new Tracked(snapshot.id());
				entry.sendBase = recovery.sendBase();
				this.tracked.put(snapshot.id(), entry);
				adopted = this.manager.adopt(recovery.state(), recovery.later(), decision, principal);
			}
			finally {
				if (this.deliveryLock.isHeldByCurrentThread()) {
					this.deliveryLock.unlock();
				}
			}
		}
		catch (JsonProcessingException ex) {
			logger.warn("pulse cluster: could not read the streams of " + snapshot.id(), ex);
			restore(claimed, snapshot);
			return RemoteResume.UNKNOWN;
		}
		catch (org.springframework.dao.DataAccessException ex) {
			unavailable(ex);
			restore(claimed, snapshot);
			return RemoteResume.UNKNOWN;
		}
		catch (RuntimeException ex) {
			logger.error("pulse cluster: rebuilding " + snapshot.id() + " after its node died failed", ex);
			restore(claimed, snapshot);
			return RemoteResume.UNKNOWN;
		}
		finally {
			this.deadPending.remove(snapshot.id());
		}
		this.deathResumes.incrementAndGet();
		this.recoveredFrames.addAndGet(recovery.replayed());
		this.missedFrames.addAndGet(recovery.missed());
		if (logger.isDebugEnabled()) {
			logger.debug("pulse cluster: resumed " + snapshot.id() + " after node " + snapshot.node() + " died: "
					+ recovery.replayed() + " broadcasts recovered from the streams, " + recovery.missed()
					+ " frames missed");
		}
		return new RemoteResume(this.manager.attachAdopted(adopted, transport, lastSeq), null);
	}

	/**
	 * Waits until this node delivered every broadcast up to {@code global}; returns holding the delivery lock.
	 */
	private boolean awaitDelivered(long global) {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(this.nodeTimeoutMillis);
		this.deliveryLock.lock();
		this.waiting.incrementAndGet();
		try {
			while (this.inbox.delivered() < global) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					this.deliveryLock.unlock();
					return false;
				}
				this.advanced.awaitNanos(remaining);
			}
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.deliveryLock.unlock();
			return false;
		}
		finally {
			this.waiting.decrementAndGet();
		}
	}

	/**
	 * Works out, under the delivery lock, the frames to replay and the numbering: see {@link #resumeDead}.
	 * @return {@code null} if the snapshot cannot be resolved or the client claims frames never sent
	 */
	private @Nullable Recovery recover(SnapshotData snapshot, long base, List<String> rooms, JsonNode state,
			DeadPending pending, long lastSeq) {
		long globalNow = state.path("gnow").asLong();
		TreeMap<Long, StreamEntry> known = new TreeMap<>();
		Map<String, Long> trimmed = new HashMap<>();
		Map<String, Long> firstKnown = new HashMap<>();
		long optional = 0;
		List<String> member = new ArrayList<>();
		for (int i = 0; i < rooms.size(); i++) {
			String room = rooms.get(i);
			JsonNode read = state.path("rooms").path(i);
			String mark = snapshot.rooms().get(room);
			boolean exact = !mark.startsWith("?") && !mark.startsWith("-");
			if (!mark.startsWith("-")) {
				member.add(room);
			}
			String number = exact ? mark : mark.substring(1);
			long watermark;
			if (!"@".equals(number)) {
				watermark = Long.parseLong(number);
			}
			else if (read.hasNonNull("natg")) {
				watermark = read.path("natg").asLong();
			}
			else if ((!read.has("first") || read.path("first").isEmpty()) && read.path("rseq").asLong() == 0) {
				watermark = 0;
			}
			else if (read.path("first").path(1).asLong() == 1 && read.path("first").path(0).asLong() > snapshot.g()) {
				watermark = 0;
			}
			else {
				// the room had no broadcast here before the snapshot and its stream was trimmed since
				logger.info("pulse cluster: cannot place the snapshot of " + snapshot.id() + " in the stream of room "
						+ room + " any more");
				return null;
			}
			List<StreamEntry> entries = new ArrayList<>();
			for (JsonNode entry : read.path("entries")) {
				entries.add(new StreamEntry(entry.path(0).asLong(), entry.path(1).asLong(), room,
						entry.path(2).asText()));
			}
			long later = pending.broadcasts.stream()
				.filter((entry) -> entry.room().equals(room) && entry.g() > globalNow)
				.count();
			long count = read.path("rseq").asLong() - watermark;
			if (!exact) {
				optional += Math.max(0, count) + later;
				continue;
			}
			long retained = entries.size();
			if (count < retained) {
				logger.warn("pulse cluster: inconsistent stream of room " + room + "; refusing the resume");
				return null;
			}
			trimmed.put(room, count - retained);
			for (StreamEntry entry : entries) {
				known.put(entry.g(), entry);
			}
			for (StreamEntry entry : pending.broadcasts) {
				if (entry.room().equals(room) && entry.g() > globalNow) {
					known.put(entry.g(), entry);
				}
			}
			known.values()
				.stream()
				.filter((entry) -> entry.room().equals(room))
				.findFirst()
				.ifPresent((entry) -> firstKnown.put(room, entry.g()));
		}
		long sendsNow = state.path("sends").asLong();
		long recordedBefore = pending.sends.stream().filter((send) -> send.counter() > base
				&& send.counter() <= sendsNow).count();
		long unseenSends = Math.max(0, sendsNow - base - snapshot.directSends());
		long lostSends = Math.max(0, unseenSends - recordedBefore);
		long trimmedTotal = trimmed.values().stream().mapToLong(Long::longValue).sum();
		long total = snapshot.seq() + known.size() + trimmedTotal + optional + lostSends;
		if (lastSeq > total) {
			return null;
		}
		// the client has the first (lastSeq - seq) frames after the snapshot: replay a retained broadcast only if
		// it comes after them even when every frame of unknown place is put as late as possible
		long received = lastSeq - snapshot.seq();
		List<String> replay = new ArrayList<>();
		int index = 0;
		for (StreamEntry entry : known.values()) {
			long earliest = 1 + index;
			for (Map.Entry<String, Long> room : trimmed.entrySet()) {
				Long first = firstKnown.get(room.getKey());
				if (first != null && first <= entry.g()) {
					earliest += room.getValue();
				}
			}
			if (earliest > received) {
				replay.add(entry.body());
			}
			index++;
		}
		List<String> later = new ArrayList<>(replay);
		long counted = 0;
		for (RecordedSend send : pending.sends) {
			later.add(send.body());
			if (send.counter() > sendsNow) {
				counted++;
			}
		}
		Map<String, Object> attributes = typed(snapshot.attributes(), snapshot.types());
		HandoverState rebuilt = new HandoverState(snapshot.id(), snapshot.principal(), attributes, member,
				total - replay.size(), List.of(), counted);
		return new Recovery(rebuilt, later, sendsNow, replay.size(), total - lastSeq - replay.size());
	}

	private void restore(Claimed claimed, SnapshotData snapshot) {
		try {
			this.redis.execute(RESTORE, List.of(this.keys.snapshot(claimed.tokenKey()), this.keys.token(claimed.tokenKey())),
					claimed.version(), claimed.json(), Long.toString(claimed.base()),
					Long.toString(this.tokenTtlMillis), snapshot.node());
		}
		catch (RuntimeException ex) {
			unavailable(ex);
		}
	}

	/** Called under the delivery lock: a send to a session being rebuilt here after its node died. */
	private boolean recordForDeadResume(String connectionId, long counter, String body) {
		DeadPending pending = this.deadPending.get(connectionId);
		if (pending == null) {
			return false;
		}
		pending.sends.add(new RecordedSend(counter, body));
		return true;
	}

	/** A consistent snapshot of a session: call holding the entry's monitor. */
	private Snapshot readSnapshot(Tracked entry, PulseConnection session, @Nullable String room, boolean join) {
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
				Objects.requireNonNull(entry.digest), view.attributes(), attributeTypes(view.attributes()), rooms,
				view.lastSeq(), global, view.directSends());
		try {
			return new Snapshot(Objects.requireNonNull(entry.tokenKey), ++entry.version,
					this.json.writeValueAsString(data), view.lastSeq(), view.directSends(), rooms);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private @Nullable Snapshot readSnapshotIfChanged(Tracked entry, PulseConnection session) {
		SessionSnapshot view = this.manager.snapshot(session);
		if (view.closed() || entry.digest == null) {
			return null;
		}
		if (!entry.dirty && view.lastSeq() == entry.writtenSeq && view.directSends() == entry.writtenDirect) {
			return null;
		}
		entry.dirty = false;
		return readSnapshot(entry, session, null, false);
	}

	private void writeSnapshot(Tracked entry, Snapshot snapshot, @Nullable String previousKey) {
		Long base = this.redis.execute(new DefaultRedisScript<>(WRITE_SNAPSHOT, Long.class),
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

	/**
	 * Broadcasts of this node its members got directly (Redis slow or away), outside the cluster's order.
	 * @return the count since start
	 */
	long directDeliveries() {
		return this.publisher.localDeliveries();
	}

	@Override
	public Gaps gaps() {
		return new Gaps(this.inbox.filledBroadcasts(), this.inbox.missedBroadcasts());
	}

	@Override
	public DeadResumes deadResumes() {
		return new DeadResumes(this.deathResumes.get(), this.recoveredFrames.get(), this.missedFrames.get());
	}

	private void forwardIfMoved(String connectionId, String command) {
		Moved target = this.moved.get(connectionId);
		if (target != null) {
			offer((connection) -> connection.publish(this.keys.nodeChannel(target.node), command));
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
	 * A broadcast delivered here while a resume waits for its hand-over: {@code g} its cluster-wide number,
	 * {@code node} and {@code seq} its publisher and the publisher's number ({@code -1} if not numbered yet).
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


	private record StreamEntry(long g, long n, String room, String body) {
	}

	private record RecordedSend(long counter, String body) {
	}

	/** What a resume after the owner's death collects while it reads Redis. */
	private static final class DeadPending {

		final Set<String> rooms;

		final List<StreamEntry> broadcasts = new ArrayList<>();

		final List<RecordedSend> sends = new ArrayList<>();

		DeadPending(Set<String> rooms) {
			this.rooms = Set.copyOf(rooms);
		}

	}

	private record Claimed(String tokenKey, String json, long base, String version, SnapshotData data) {
	}

	private record Recovery(HandoverState state, List<String> later, long sendBase, int replayed, long missed) {
	}

	/** Snapshot bookkeeping of a local session; fields other than the volatile ones are guarded by the monitor. */
	private static final class Tracked {

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
			boolean exact = snapshot.rooms().values().stream().noneMatch((mark) -> mark.startsWith("?")
					|| mark.startsWith("-"));
			if (!exact) {
				this.dirty = true;
			}
		}

	}

	private record Snapshot(String tokenKey, long version, String json, long seq, long directSends,
			Map<String, String> rooms) {
	}

	/**
	 * The session snapshot kept in Redis (JSON): owner node, connection id, principal name, SHA-256 of the token's
	 * secret half, attributes and their types, rooms with their watermark ({@code n}: the room number of the last
	 * broadcast delivered here at the snapshot, {@code @}: none seen here yet; prefixed {@code ?} while a join
	 * and {@code -} while a leave is not yet in a snapshot), sequence number, global position and counted direct
	 * sends.
	 */
	record SnapshotData(String node, String id, @Nullable String principal, String digest,
			Map<String, Object> attributes, Map<String, String> types, Map<String, String> rooms, long seq, long g,
			long directSends) {
	}

	private record Moved(String node, long expiresAt) {
	}

	record HandoverRequest(String requestId, String replyNode, String token, long lastSeq,
			@Nullable String principalName, @Nullable String connectionId) {
	}

	/**
	 * The owner's answer to a resume.
	 * @param delivered the global number up to which the session got every broadcast of its rooms
	 * @param node the owner
	 * @param directUpTo the owner's last broadcast (its sequence number) that reached the session directly before
	 * Redis numbered it (Redis slow or away), {@code -1} if none is still waiting for its number
	 */
	record HandoverReply(String requestId, @Nullable String failure, @Nullable HandoverState state,
			Map<String, String> attributeTypes, long delivered, long sendBase, @Nullable String node, long directUpTo) {
	}

	private static Map<String, String> attributeTypes(Map<String, Object> attributes) {
		Map<String, String> types = new HashMap<>();
		attributes.forEach((name, value) -> types.put(name, value.getClass().getSimpleName()));
		return types;
	}

	/** JSON numbers come back as the narrowest type: give each attribute back the type it had. */
	private static Map<String, Object> typed(Map<String, Object> attributes, Map<String, String> types) {
		Map<String, Object> typed = new HashMap<>();
		attributes.forEach((name, value) -> {
			if (value instanceof Number number) {
				switch (types.getOrDefault(name, "")) {
					case "Integer" -> typed.put(name, number.intValue());
					case "Long" -> typed.put(name, number.longValue());
					case "Double" -> typed.put(name, number.doubleValue());
					default -> typed.put(name, value);
				}
			}
			else {
				typed.put(name, value);
			}
		});
		return typed;
	}

	// ---- SmartLifecycle

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(this.connectionFactory);
		// delivery on the subscription thread, one message after the other: a task per message would reorder them
		container.setTaskExecutor(new SyncTaskExecutor());
		container.setRecoveryInterval(this.heartbeatMillis);
		// the subscription thread only decodes and queues: the inbox delivers, on a thread of its own
		container.addMessageListener(
				(MessageListener) (message, pattern) -> this.inbox.broadcastReceived(message.getBody()),
				new ChannelTopic(this.keys.broadcastChannel()));
		container.addMessageListener(
				(MessageListener) (message, pattern) -> this.inbox.commandReceived(message.getBody()),
				new ChannelTopic(this.keys.nodeChannel(this.nodeId)));
		this.inbox.start();
		container.afterPropertiesSet();
		container.start();
		this.listeners = container;
		try {
			// subscribed: from here on the inbox knows where the cluster stands, so no resume waits for a broadcast
			ClusterMessage.Position baseline = readPosition(true);
			this.lastPosition = baseline;
			this.inbox.positionRead(baseline);
		}
		catch (RuntimeException ex) {
			unavailable(ex);
		}
		this.publisher.start();
		ScheduledExecutorService overdue = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread timer = new Thread(task, "pulse-cluster-local-delivery");
			timer.setDaemon(true);
			return timer;
		});
		long period = Math.max(10, this.localDeliveryMillis / 4);
		overdue.scheduleWithFixedDelay(() -> safely(this.publisher::deliverOverdue), period, period,
				TimeUnit.MILLISECONDS);
		this.watchdog = overdue;
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread timer = new Thread(task, "pulse-cluster-heartbeat");
			timer.setDaemon(true);
			return timer;
		});
		this.available = true;
		heartbeat();
		scheduler.scheduleWithFixedDelay(this::heartbeat, this.heartbeatMillis, this.heartbeatMillis,
				TimeUnit.MILLISECONDS);
		this.heartbeat = scheduler;
		logger.info("pulse cluster: node " + this.nodeId + " joined (" + this.nodes + " nodes, key prefix '"
				+ this.prefix + "', heartbeat " + this.heartbeatMillis + " ms, node timeout " + this.nodeTimeoutMillis
				+ " ms)");
	}

	@Override
	public synchronized void stop() {
		if (!this.running) {
			return;
		}
		ScheduledExecutorService scheduler = this.heartbeat;
		if (scheduler != null) {
			scheduler.shutdownNow();
		}
		this.running = false;
		this.publisher.stop(Math.max(1000, this.nodeTimeoutMillis));
		ScheduledExecutorService overdue = this.watchdog;
		if (overdue != null) {
			overdue.shutdownNow();
		}
		if (this.available) {
			try {
				this.redis.opsForZSet().remove(this.keys.nodes(), this.nodeId);
				this.redis.delete(this.keys.count(this.nodeId));
			}
			catch (RuntimeException ex) {
				logger.debug("pulse cluster: could not deregister node " + this.nodeId, ex);
			}
		}
		RedisMessageListenerContainer container = this.listeners;
		this.inbox.stop(1000);
		if (container != null) {
			container.stop();
			try {
				container.destroy();
			}
			catch (Exception ex) {
				logger.debug("pulse cluster: closing the subscription failed", ex);
			}
		}
		this.listeners = null;
		this.watchdog = null;
		this.heartbeat = null;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/**
	 * Starts before the web server accepts connections and stops after the engine drained them, so that every
	 * session end is deregistered.
	 */
	@Override
	public int getPhase() {
		return DEFAULT_PHASE - 4096;
	}

	private static void safely(Runnable delivery) {
		try {
			delivery.run();
		}
		catch (RuntimeException ex) {
			logger.error("pulse cluster: delivering a message from Redis failed", ex);
		}
	}

}
