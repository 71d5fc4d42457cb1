package io.github.pulse.cluster;

import java.security.MessageDigest;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.ClusterBridge.DeadResumes;
import io.github.pulse.core.ClusterBridge.RemoteResume;
import io.github.pulse.core.OverflowPolicy;
import io.github.pulse.core.SessionManager;
import io.github.pulse.core.Transport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/**
 * Resume after the owning node died: every broadcast is numbered in Redis and appended to a bounded per-room stream,
 * and every node, the publisher included, delivers broadcasts in that order. Another node claims the session's
 * snapshot once, reads Redis at one instant, waits until its own inbox delivered up to there, and rebuilds the
 * session as {@link RecoveryPlan} decides.
 */
final class DeadNodeRecovery {

	private static final Log logger = LogFactory.getLog(DeadNodeRecovery.class);

	private static final DefaultRedisScript<String> CLAIM = new DefaultRedisScript<>(ClusterScripts.CLAIM,
			String.class);

	private static final DefaultRedisScript<Long> RESTORE = new DefaultRedisScript<>(ClusterScripts.RESTORE,
			Long.class);

	private static final DefaultRedisScript<String> READ_STATE = new DefaultRedisScript<>(ClusterScripts.READ_STATE,
			String.class);

	private final SessionManager manager;

	/** Counts of lost broadcasts sessions here are owed: a rebuilt session's come from its snapshot. */
	private final UntoldLosses losses;

	private final StringRedisTemplate redis;

	private final ClusterKeys keys;

	private final String nodeId;

	private final long tokenTtlMillis;

	private final long nodeTimeoutMillis;

	private final ClusterInbox inbox;

	private final NodeRegistry registry;

	private final SnapshotStore snapshots;

	private final RedisAvailability availability;

	private final ObjectMapper json;

	/**
	 * The inbox's delivery lock, held while broadcasts and commands from Redis are delivered and while a session
	 * whose owner died is rebuilt: the snapshot's positions and the session's frames agree.
	 */
	private final ReentrantLock deliveryLock;

	private final Condition advanced;

	private final AtomicInteger waiting = new AtomicInteger();

	/** Resumes being rebuilt here, by connection id; written under the delivery lock. */
	private final Map<String, Pending> pending = new ConcurrentHashMap<>();

	private final AtomicLong resumes = new AtomicLong();

	private final AtomicLong recovered = new AtomicLong();

	private final AtomicLong missed = new AtomicLong();

	DeadNodeRecovery(SessionManager manager, StringRedisTemplate redis, ClusterKeys keys, String nodeId,
			long tokenTtlMillis, long nodeTimeoutMillis, ClusterInbox inbox, ReentrantLock deliveryLock,
			NodeRegistry registry, SnapshotStore snapshots, RedisAvailability availability, ObjectMapper json,
			UntoldLosses losses) {
		this.losses = losses;
		this.manager = manager;
		this.redis = redis;
		this.keys = keys;
		this.nodeId = nodeId;
		this.tokenTtlMillis = tokenTtlMillis;
		this.nodeTimeoutMillis = nodeTimeoutMillis;
		this.inbox = inbox;
		this.deliveryLock = deliveryLock;
		this.advanced = deliveryLock.newCondition();
		this.registry = registry;
		this.snapshots = snapshots;
		this.availability = availability;
		this.json = json;
	}

	// ---- from the inbox, holding the delivery lock

	/** Adds the rooms of the sessions being rebuilt: the inbox fills their gaps too. */
	void addNeededRooms(Set<String> rooms) {
		this.pending.values().forEach((resume) -> rooms.addAll(resume.rooms));
	}

	/** A broadcast was delivered here; call holding the delivery lock. */
	void delivered(long g, long n, String room, String body) {
		for (Pending resume : this.pending.values()) {
			if (resume.rooms.contains(room)) {
				resume.broadcasts.add(new RecoveryPlan.StreamEntry(g, n, room, body));
			}
		}
		if (this.waiting.get() > 0) {
			this.advanced.signalAll();
		}
	}

	/** The inbox's position moved without a delivery; call without the delivery lock. */
	void advanced() {
		if (this.waiting.get() > 0) {
			this.deliveryLock.lock();
			try {
				this.advanced.signalAll();
			}
			finally {
				this.deliveryLock.unlock();
			}
		}
	}

	/**
	 * A send to a session being rebuilt here; call holding the delivery lock.
	 * @return whether a resume recorded it
	 */
	boolean recordSend(String connectionId, long counter, String body) {
		Pending resume = this.pending.get(connectionId);
		if (resume == null) {
			return false;
		}
		resume.sends.add(new RecoveryPlan.RecordedSend(counter, body));
		return true;
	}

	DeadResumes counts() {
		return new DeadResumes(this.resumes.get(), this.recovered.get(), this.missed.get());
	}

	// ---- the resume, on the caller's thread

	/**
	 * Rebuilds a session whose node died from its snapshot and the room streams.
	 */
	RemoteResume resume(String token, String tokenKey, long lastSeq, Transport transport, ConnectDecision decision,
			@Nullable Principal principal) {
		if (this.manager.settings().overflowPolicy() == OverflowPolicy.DROP_NEWEST) {
			// a broadcast dropped for a full buffer takes no sequence number: the streams cannot say which
			return RemoteResume.UNKNOWN;
		}
		Claimed claimed = claim(tokenKey);
		if (claimed == null) {
			return RemoteResume.UNKNOWN;
		}
		SnapshotData snapshot = claimed.data();
		if (!admits(snapshot, claimed.base(), token, decision, principal)) {
			restore(claimed);
			return RemoteResume.UNKNOWN;
		}
		RecoveryPlan.Rebuild rebuild;
		PulseConnection adopted;
		Pending resume = new Pending(snapshot.rooms().keySet());
		this.pending.put(snapshot.id(), resume);
		try {
			// sends to the connection come here from now on; those that went to the dead node are counted
			this.registry.takeOver(snapshot.id());
			List<String> rooms = new ArrayList<>(snapshot.rooms().keySet());
			RecoveryPlan.Observed observed = readState(snapshot, rooms);
			// whatever up to there this node's subscription lost is filled in from the streams meanwhile
			this.inbox.positionRead(new ClusterMessage.Position(observed.epoch(), observed.globalNow(), false));
			RecoveryPlan.Decision outcome;
			this.deliveryLock.lock();
			try {
				if (!awaitDelivered(observed.globalNow())) {
					outcome = new RecoveryPlan.Refuse("broadcasts up to " + observed.globalNow()
							+ " did not arrive within " + this.nodeTimeoutMillis + " ms");
					adopted = null;
				}
				else {
					// deliveries wait: nothing is delivered between what is counted here and the rooms joined below
					this.pending.remove(snapshot.id());
					outcome = RecoveryPlan.decide(snapshot, claimed.base(), observed, resume.broadcasts,
							resume.sends, lastSeq);
					adopted = (outcome instanceof RecoveryPlan.Rebuild plan) ? adopt(snapshot, plan, decision,
							principal) : null;
				}
			}
			finally {
				this.deliveryLock.unlock();
			}
			if (!(outcome instanceof RecoveryPlan.Rebuild plan) || adopted == null) {
				logger.info("pulse cluster: refused the resume of " + snapshot.id() + ": "
						+ ((RecoveryPlan.Refuse) outcome).reason());
				restore(claimed);
				return RemoteResume.UNKNOWN;
			}
			rebuild = plan;
		}
		catch (JacksonException ex) {
			logger.warn("pulse cluster: could not read the streams of " + snapshot.id(), ex);
			restore(claimed);
			return RemoteResume.UNKNOWN;
		}
		catch (DataAccessException ex) {
			this.availability.failed(ex);
			restore(claimed);
			return RemoteResume.UNKNOWN;
		}
		catch (RuntimeException ex) {
			logger.error("pulse cluster: rebuilding " + snapshot.id() + " after its node died failed", ex);
			restore(claimed);
			return RemoteResume.UNKNOWN;
		}
		finally {
			this.pending.remove(snapshot.id());
		}
		this.resumes.incrementAndGet();
		this.recovered.addAndGet(rebuild.replayed());
		this.missed.addAndGet(rebuild.missed());
		if (logger.isDebugEnabled()) {
			logger.debug("pulse cluster: resumed " + snapshot.id() + " after node " + snapshot.node() + " died: "
					+ rebuild.replayed() + " broadcasts recovered from the streams, " + rebuild.missed()
					+ " frames missed");
		}
		return new RemoteResume(this.manager.attachAdopted(adopted, transport, lastSeq), null);
	}

	/** Adopts the rebuilt session; call holding the delivery lock. */
	private PulseConnection adopt(SnapshotData snapshot, RecoveryPlan.Rebuild plan, ConnectDecision decision,
			@Nullable Principal principal) {
		this.snapshots.adopting(snapshot.id(), plan.sendBase());
		PulseConnection adopted = this.manager.adopt(plan.state(), plan.later(), decision, principal);
		// broadcasts it lost on the dead node beyond the streams and was not told of: on its room's next frame
		this.losses.owe(snapshot.id(), plan.owed());
		return adopted;
	}

	/**
	 * Whether the claimed snapshot may be rebuilt here: its owner is not alive, it is not a session live here (that
	 * resumes locally, or not at all), the secret and identity match, and its counter base is known.
	 */
	private boolean admits(SnapshotData snapshot, long base, String token, ConnectDecision decision,
			@Nullable Principal principal) {
		boolean ownerAlive = !snapshot.node().equals(this.nodeId) && this.registry.isLive(snapshot.node());
		boolean sameIdentity = Objects.equals((principal != null) ? principal.getName() : null, snapshot.principal())
				&& (decision.connectionId() == null || decision.connectionId().equals(snapshot.id()));
		boolean secretMatches = MessageDigest.isEqual(Base64.getDecoder().decode(snapshot.digest()),
				SessionManager.secretDigest(token));
		boolean liveHere = snapshot.node().equals(this.nodeId) && this.manager.connection(snapshot.id()) != null;
		return !ownerAlive && !liveHere && secretMatches && sameIdentity && base >= 0;
	}

	/**
	 * Waits, holding the delivery lock, until this node delivered every broadcast up to {@code global}.
	 * @return whether it did within the node timeout
	 */
	private boolean awaitDelivered(long global) {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(this.nodeTimeoutMillis);
		this.waiting.incrementAndGet();
		try {
			while (this.inbox.delivered() < global) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return false;
				}
				this.advanced.awaitNanos(remaining);
			}
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		finally {
			this.waiting.decrementAndGet();
		}
	}

	private RecoveryPlan.Observed readState(SnapshotData snapshot, List<String> rooms) throws JacksonException {
		List<String> keys = new ArrayList<>();
		keys.add(this.keys.globalSeq());
		keys.add(this.keys.sends(snapshot.id()));
		for (String room : rooms) {
			keys.add(this.keys.stream(room));
			keys.add(this.keys.roomSeq(room));
		}
		keys.add(this.keys.epoch());
		return RecoveryPlan.Observed.parse(this.json.readTree(this.redis.execute(READ_STATE, keys,
				Long.toString(snapshot.g()))), rooms);
	}

	private @Nullable Claimed claim(String tokenKey) {
		try {
			String raw = this.redis.execute(CLAIM, List.of(this.keys.snapshot(tokenKey), this.keys.token(tokenKey)),
					Long.toString(this.tokenTtlMillis));
			if (raw == null) {
				return null;
			}
			JsonNode node = this.json.readTree(raw);
			return new Claimed(tokenKey, node.path("j").asString(), node.path("b").asLong(-1), node.path("v").asString(),
					this.json.readValue(node.path("j").asString(), SnapshotData.class));
		}
		catch (JacksonException ex) {
			logger.warn("pulse cluster: ignored a malformed session snapshot");
			return null;
		}
		catch (RuntimeException ex) {
			this.availability.failed(ex);
			return null;
		}
	}

	/** Puts a claimed snapshot back after a refused resume. */
	private void restore(Claimed claimed) {
		try {
			this.redis.execute(RESTORE, List.of(this.keys.snapshot(claimed.tokenKey()), this.keys.token(claimed.tokenKey())),
					claimed.version(), claimed.json(), Long.toString(claimed.base()), Long.toString(this.tokenTtlMillis),
					claimed.data().node());
		}
		catch (RuntimeException ex) {
			this.availability.failed(ex);
		}
	}

	/** What a resume after the owner's death collects while it reads Redis; lists guarded by the delivery lock. */
	private static final class Pending {

		final Set<String> rooms;

		final List<RecoveryPlan.StreamEntry> broadcasts = new ArrayList<>();

		final List<RecoveryPlan.RecordedSend> sends = new ArrayList<>();

		Pending(Set<String> rooms) {
			this.rooms = Set.copyOf(rooms);
		}

	}

	private record Claimed(String tokenKey, String json, long base, String version, SnapshotData data) {
	}

}
