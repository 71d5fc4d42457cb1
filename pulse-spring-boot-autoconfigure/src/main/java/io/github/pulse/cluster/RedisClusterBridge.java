package io.github.pulse.cluster;

import java.security.Principal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.ClusterBridge;
import io.github.pulse.core.ClusterStatus;
import io.github.pulse.core.EncodedBody;
import io.github.pulse.core.RoomHistory;
import io.github.pulse.core.SessionManager;
import io.github.pulse.core.Transport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * {@link ClusterBridge} on Redis: a thin facade over the parts of the cluster, and their lifecycle.
 * <ul>
 * <li>{@link ClusterPublisher}: the node's one pipeline of writes to Redis; broadcasts are numbered cluster-wide and
 * in their room, appended to the room's stream and published once on {@code <prefix>broadcast}.</li>
 * <li>{@link ClusterInbox}: every node, the publisher included, delivers every broadcast in that one order, filling
 * gaps of its subscription from the streams (see {@link BroadcastSequence}), into {@link InboxDelivery}, which also
 * runs the commands to this node.</li>
 * <li>{@link WriteHolds}: a session's writes wait for a pipelined write they depend on, its callers do not.</li>
 * <li>{@link NodeRegistry}: node registration, cluster counts, and the connection directory that send and kick by
 * id go through.</li>
 * <li>{@link SnapshotStore}: each session's snapshot, token entry and send counter.</li>
 * <li>{@link LiveHandover}: resume on another node while the owner lives.</li>
 * <li>{@link DeadNodeRecovery} and {@link RecoveryPlan}: resume after the owner died.</li>
 * </ul>
 * While Redis is unreachable, local serving goes on: broadcasts are held and sent when Redis is back, other
 * cross-node operations are dropped and counted, and the next successful heartbeat re-registers every local
 * connection. See docs/scaling.md for the guarantees and for what runs on which thread.
 */
public class RedisClusterBridge implements ClusterBridge, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisClusterBridge.class);

	private final SessionManager manager;

	private final StringRedisTemplate redis;

	private final RedisConnectionFactory connectionFactory;

	private final String nodeId;

	private final String prefix;

	private final ClusterKeys keys;

	private final long heartbeatMillis;

	private final long nodeTimeoutMillis;

	private final long streamTtlMillis;

	private final long localDeliveryMillis;

	private final RedisAvailability availability;

	/**
	 * Held while broadcasts and commands from Redis are delivered, while a session's snapshot is read and while a
	 * session whose owner died is rebuilt: the snapshot's positions and the session's frames agree.
	 */
	private final ReentrantLock deliveryLock = new ReentrantLock();

	private final PublisherHost publisherHost = new PublisherHost();

	private final ObjectMapper historyJson = new ObjectMapper();

	private final ClusterInbox inbox;

	private final ClusterPublisher publisher;

	private final NodeRegistry registry;

	private final SnapshotStore snapshots;

	private final LiveHandover handover;

	private final DeadNodeRecovery recovery;

	private final WriteHolds holds;

	private final UntoldLosses losses;

	private final ClusterPresence presence;

	/** The cluster's position at the previous heartbeat: what is still undelivered one heartbeat later is lost. */
	private volatile ClusterMessage.@Nullable Position lastPosition;

	private volatile int nodes;

	private @Nullable RedisMessageListenerContainer listeners;

	private @Nullable ScheduledExecutorService heartbeat;

	private @Nullable ScheduledExecutorService watchdog;

	private volatile boolean running;

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
		this.manager = manager;
		this.connectionFactory = connectionFactory;
		this.redis = new StringRedisTemplate(connectionFactory);
		this.nodeId = nodeId;
		this.prefix = prefix;
		this.keys = new ClusterKeys(prefix);
		this.heartbeatMillis = heartbeatInterval.toMillis();
		this.nodeTimeoutMillis = nodeTimeout.toMillis();
		long tokenTtlMillis = Math.max(manager.settings().resumeWindow().toMillis(), this.nodeTimeoutMillis);
		this.streamTtlMillis = tokenTtlMillis + this.nodeTimeoutMillis;
		this.localDeliveryMillis = localDeliveryTimeout.toMillis();
		this.availability = new RedisAvailability(nodeId);
		ObjectMapper json = new ObjectMapper();
		UntoldLosses losses = new UntoldLosses();
		this.losses = losses;
		InboxDelivery delivery = new InboxDelivery(manager, nodeId, this.deliveryLock, losses);
		this.inbox = new ClusterInbox(delivery, this.redis, this.keys, Math.max(1024, publishQueue * 4),
				this.nodeTimeoutMillis, this.deliveryLock);
		// the epoch this node proposes if it numbers the first broadcast of a Redis data set
		this.publisher = new ClusterPublisher(this.redis, this.keys, nodeId, UUID.randomUUID().toString(),
				streamRetention, this.streamTtlMillis, this.localDeliveryMillis, this.nodeTimeoutMillis, publishQueue,
				this.publisherHost, this.deliveryLock);
		this.inbox.onNewEpoch(() -> {
			this.publisher.epochObserved();
			// the numbers the copies of rooms' history are ordered by start over
			manager.history().forgetAll();
		});
		this.registry = new NodeRegistry(this.redis, this.keys, nodeId, this.nodeTimeoutMillis, tokenTtlMillis,
				this.publisher);
		this.holds = new WriteHolds(manager, this.localDeliveryMillis);
		this.snapshots = new SnapshotStore(manager, this.redis, this.keys, nodeId, tokenTtlMillis,
				this.nodeTimeoutMillis, this.inbox, this.deliveryLock, this.availability, json, this.publisher,
				this.holds, losses);
		this.handover = new LiveHandover(manager, nodeId, this.nodeTimeoutMillis, this.registry, this.inbox,
				this.snapshots, json, this.publisher, losses);
		this.recovery = new DeadNodeRecovery(manager, this.redis, this.keys, nodeId, tokenTtlMillis,
				this.nodeTimeoutMillis, this.inbox, this.deliveryLock, this.registry, this.snapshots,
				this.availability, json, losses);
		this.presence = new ClusterPresence(manager, this.registry, nodeId, this.nodeTimeoutMillis);
		delivery.connect(this.publisher, this.snapshots, this.handover, this.recovery, this.presence);
		manager.setClusterBridge(this);
	}

	/** Presence across the nodes (for tests of its bounds). */
	ClusterPresence presence() {
		return this.presence;
	}

	// ---- ClusterBridge

	@Override
	public int broadcast(String room, EncodedBody body, IntSupplier localDelivery) {
		Lock shared = this.handover.broadcastLock();
		shared.lock();
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
			this.handover.unnumbered(room, body.text(), Long.MAX_VALUE);
			return recipients;
		}
		finally {
			shared.unlock();
		}
	}

	@Override
	public boolean send(String connectionId, EncodedBody body) {
		// no lookup here: send.lua finds the owner when the pipeline gets to Redis
		return this.availability.available() && this.registry.send(connectionId, body.text());
	}

	@Override
	public boolean sendToUser(String user, EncodedBody body) {
		// no lookup here: publish-to-others.lua finds the live nodes when the pipeline gets to Redis
		return this.availability.available() && this.registry.sendToUser(user, body.text());
	}

	@Override
	public void presenceChanged(String room, String user, int count) {
		// while Redis is away the others miss it: they get all the counts again when it is back
		if (this.availability.available()) {
			this.presence.changed(room, user, count);
		}
	}

	@Override
	public boolean kick(String connectionId) {
		return this.availability.available() && this.registry.kick(connectionId);
	}

	@Override
	public boolean countDirectSend(String connectionId) {
		return this.running && this.snapshots.countDirectSend(connectionId);
	}

	@Override
	public void sessionStarted(String connectionId) {
		this.registry.sessionStarted(connectionId);
	}

	@Override
	public void tokenIssued(PulseConnection session, String tokenKey, byte[] secretDigest) {
		this.snapshots.tokenIssued(session, tokenKey, secretDigest);
	}

	@Override
	public void joinInHistoryOrder(PulseConnection session, String room, BooleanSupplier join) {
		Runnable joining = () -> changeMembership(session, room, true, () -> {
			this.deliveryLock.lock();
			try {
				return join.getAsBoolean();
			}
			finally {
				this.deliveryLock.unlock();
			}
		});
		RoomHistory history = this.manager.history();
		switch (history.awaitCopy(room, joining)) {
			case READY -> joining.run();
			case WAITING -> {
				// runs after the read under way
			}
			case READ -> this.manager.execute(() -> readHistory(room));
		}
	}

	/**
	 * Reads a room's history from its stream (an I/O thread), then runs the joins that waited for it.
	 */
	private void readHistory(String room) {
		RoomHistory history = this.manager.history();
		List<RoomHistory.Frame> read = null;
		// every broadcast up to it is in the stream already (written there before it is published)
		long position = this.inbox.delivered();
		try {
			Object result = this.redis.execute((RedisCallback<Object>) (connection) -> new DefaultStringRedisConnection(
					connection)
				.eval(ClusterScripts.HISTORY, ReturnType.VALUE, 1, this.keys.stream(room),
						Integer.toString(history.size()), Long.toString(history.maxAge().toMillis()),
						Long.toString(Math.max(0, position))));
			String json = (result instanceof byte[] bytes) ? new String(bytes, StandardCharsets.UTF_8)
					: String.valueOf(result);
			long now = this.manager.nanoTime();
			List<RoomHistory.Frame> frames = new ArrayList<>();
			for (JsonNode entry : this.historyJson.readTree(json)) {
				frames.add(new RoomHistory.Frame(entry.path(1).asString(),
						now - TimeUnit.MILLISECONDS.toNanos(entry.path(2).asLong()), entry.path(0).asLong()));
			}
			read = frames;
		}
		catch (RuntimeException ex) {
			// the joins get what this node delivered since the read began; the next one reads again
			logger.warn("pulse cluster: could not read the history of room " + room + " (" + ex.getMessage() + ")");
		}
		List<Runnable> joins;
		this.deliveryLock.lock();
		try {
			joins = history.copied(room, read, this.inbox.delivered());
		}
		finally {
			this.deliveryLock.unlock();
		}
		// in the order they came, and what came behind them meanwhile after them, until nothing waits
		while (!joins.isEmpty()) {
			for (Runnable join : joins) {
				try {
					join.run();
				}
				catch (RuntimeException ex) {
					logger.warn("pulse cluster: a join or leave of room " + room + " failed (" + ex.getMessage() + ")",
							ex);
				}
			}
			joins = history.ran(room);
		}
	}

	@Override
	public boolean changeMembership(PulseConnection session, String room, boolean join, BooleanSupplier apply) {
		return this.snapshots.changeMembership(session, room, join, apply);
	}

	@Override
	public void sessionEnded(String connectionId) {
		// the engine removed the ended session first: a live one under the id is a newer session, whose directory
		// entry and bookkeeping (and so its snapshot) must stay
		PulseConnection live = this.manager.connection(connectionId);
		String tokenKey = this.snapshots.sessionEnded(connectionId, live);
		if (live == null) {
			this.registry.sessionEnded(connectionId);
		}
		if (tokenKey != null) {
			this.publisher.offer((connection) -> connection.del(this.keys.snapshot(tokenKey)));
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
			this.availability.failed(ex);
			// the session may be alive on a node this one cannot ask now: the client tries again
			return retryUnlessAwayLongerThanTheResumeWindow();
		}
		if (owner == null || owner.equals(this.nodeId) || !this.registry.isLive(owner)) {
			// the owner died (or this node restarted under its id): rebuild the session from its snapshot
			return this.recovery.resume(token, tokenKey, lastSeq, transport, decision, principal);
		}
		RemoteResume outcome = this.handover.resume(owner, token, lastSeq, decision, principal);
		if (outcome == null) {
			// no answer: if the owner is gone by now, its snapshot is the session's state
			return this.registry.isLive(owner) ? RemoteResume.RETRY
					: this.recovery.resume(token, tokenKey, lastSeq, transport, decision, principal);
		}
		PulseConnection adopted = outcome.connection();
		return (adopted != null)
				? new RemoteResume(this.manager.attachAdopted(adopted, transport, lastSeq), null) : outcome;
	}

	/**
	 * Redis is away: the client tries again (1013) unless Redis has been away for longer than the resume window, in
	 * which case no session it had can still be waiting and it starts afresh.
	 */
	private RemoteResume retryUnlessAwayLongerThanTheResumeWindow() {
		long awayNanos = this.availability.unavailableNanos();
		return (awayNanos <= this.manager.settings().resumeWindow().toNanos()) ? RemoteResume.RETRY
				: RemoteResume.UNKNOWN;
	}

	@Override
	public ClusterStatus status() {
		return new ClusterStatus(this.nodeId, this.availability.available(), this.nodes,
				this.registry.connections(), this.publisher.failures(), this.availability.lastError());
	}

	@Override
	public Gaps gaps() {
		return new Gaps(this.inbox.filledBroadcasts(), this.inbox.missedBroadcasts());
	}

	@Override
	public DeadResumes deadResumes() {
		return this.recovery.counts();
	}

	/**
	 * Id of this node.
	 * @return the node id
	 */
	public String nodeId() {
		return this.nodeId;
	}

	/**
	 * Broadcasts of this node its members got directly (Redis slow or away), outside the cluster's order.
	 * @return the count since start
	 */
	long directDeliveries() {
		return this.publisher.localDeliveries();
	}

	/** The global number of the last broadcast this node delivered (for tests' diagnostics). */
	long delivered() {
		return this.inbox.delivered();
	}

	/**
	 * Session write holds that ended by the local delivery timeout rather than by Redis (Redis slow or away).
	 * @return the count since start
	 */
	long timedOutHolds() {
		return this.holds.timedOut();
	}

	// ---- heartbeat: registration, directory and snapshot refresh, cluster counts

	void heartbeat() {
		try {
			SnapshotStore.Refresh refresh = this.snapshots.prepare();
			Set<String> untracked = new LinkedHashSet<>();
			for (PulseConnection connection : this.manager.connections()) {
				untracked.add(connection.id());
			}
			this.losses.retain((id) -> this.manager.connection(id) != null);
			untracked.removeAll(SnapshotStore.refreshedIds(refresh));
			long now = System.currentTimeMillis();
			this.handover.purge(now);
			Set<String> rooms = this.manager.rooms();
			this.redis.executePipelined((RedisCallback<?>) (connection) -> {
				StringRedisConnection strings = new DefaultStringRedisConnection(connection);
				this.registry.register(strings, now, this.manager.connectionCount(), untracked);
				for (String room : rooms) {
					// a room's numbering lives as long as it has members somewhere (snapshots refer to it), then
					// expires with its stream
					strings.pExpire(this.keys.roomSeq(room), this.publisherHost.streamTtlMillis(room, this.streamTtlMillis));
				}
				this.snapshots.writeChanged(strings, refresh);
				return null;
			});
			this.snapshots.refresh(refresh);
			int counted = this.registry.readLive(now);
			checkPosition(readPosition(false));
			this.inbox.retainRooms(this.manager.rooms());
			this.inbox.retainPublishers(this.registry.liveNodes());
			// live means registered: the same view resume() decides by
			this.nodes = this.registry.liveNodes().size();
			boolean back = !this.availability.available();
			this.availability.reached(counted, this.registry.connections());
			this.presence.heartbeat(now, back);
		}
		catch (RuntimeException ex) {
			this.availability.failed(ex);
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

	// ---- what the publisher and the inbox call back

	/** What the publisher needs of this bridge. */
	private final class PublisherHost implements ClusterPublisher.Host {

		@Override
		public boolean available() {
			return RedisClusterBridge.this.availability.available();
		}

		@Override
		public void unavailable(Exception ex) {
			RedisClusterBridge.this.availability.failed(ex);
		}

		@Override
		public int streamRetention(String room, int retention) {
			RoomHistory history = RedisClusterBridge.this.manager.history();
			return history.isOn(room) ? Math.max(retention, history.size()) : retention;
		}

		@Override
		public long streamTtlMillis(String room, long ttlMillis) {
			RoomHistory history = RedisClusterBridge.this.manager.history();
			return history.isOn(room) ? Math.max(ttlMillis, history.maxAge().toMillis()) : ttlMillis;
		}

		@Override
		public Lock broadcastLock() {
			return RedisClusterBridge.this.handover.broadcastLock();
		}

		@Override
		public void deliverLocally(ClusterPublisher.Broadcast broadcast) {
			RedisClusterBridge bridge = RedisClusterBridge.this;
			bridge.manager.deliverBroadcast(broadcast.room, broadcast.body);
			// not numbered yet: a resuming session gets it unless its owner delivered it
			bridge.handover.unnumbered(broadcast.room, broadcast.body, broadcast.seq);
		}

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
			this.availability.failed(ex);
		}
		this.publisher.start();
		this.watchdog = daemonScheduler("pulse-cluster-local-delivery");
		long period = Math.max(10, this.localDeliveryMillis / 4);
		this.watchdog.scheduleWithFixedDelay(() -> {
			safely(this.publisher::deliverOverdue);
			safely(this.holds::releaseOverdue);
		}, period, period, TimeUnit.MILLISECONDS);
		this.availability.assumeAvailable();
		heartbeat();
		this.presence.start();
		ScheduledExecutorService scheduler = daemonScheduler("pulse-cluster-heartbeat");
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
		if (this.availability.available()) {
			try {
				this.registry.deregister();
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

	private static ScheduledExecutorService daemonScheduler(String name) {
		return Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread timer = new Thread(task, name);
			timer.setDaemon(true);
			return timer;
		});
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
