package io.github.pulse.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.security.Principal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.pulse.ConnectDecision;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.ClusterBridge;
import io.github.pulse.core.ClusterStatus;
import io.github.pulse.core.EncodedBody;
import io.github.pulse.core.HandoverState;
import io.github.pulse.core.SessionManager;
import io.github.pulse.core.Transport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
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
 * <li>A broadcast is delivered locally, then published once on the channel {@code <prefix>broadcast}; every other
 * node decodes it once and queues it for its own members. One publisher thread per node sends in the order the
 * broadcasts were made, and Redis delivers one connection's messages in order, so each publisher's order holds on
 * every node.</li>
 * <li>The directory {@code <prefix>conn:<id>} maps a connection id to its node, with the node timeout as TTL,
 * rewritten on every heartbeat: when a node dies its entries expire. Send and kick by id look the node up and
 * publish on its command channel {@code <prefix>node:<nodeId>}.</li>
 * <li>Each node writes its live connection count to {@code <prefix>count:<nodeId>} and registers in the sorted set
 * {@code <prefix>nodes} (score: expiry time); the cluster count is their sum as of the last heartbeat.</li>
 * <li>Resume on another node: {@code <prefix>token:<lookup key>} names the node holding a resume token's session.
 * A node that receives a resume for a token it does not hold asks that node, on its command channel, to hand the
 * session over, and rebuilds it with the broadcasts the owner had not delivered to it, identified by per-publisher
 * broadcast numbers: every frame exactly once (see docs/scaling.md).</li>
 * </ul>
 * While Redis is unreachable, local serving goes on: cross-node operations are dropped and counted, lookups fail
 * at once, and the next successful heartbeat re-registers every local connection.
 */
public class RedisClusterBridge implements ClusterBridge, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisClusterBridge.class);

	private static final int BATCH = 512;

	private static final DefaultRedisScript<Long> DELETE_IF_OWNER = new DefaultRedisScript<>(
			"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
			Long.class);

	private final SessionManager manager;

	private final StringRedisTemplate redis;

	private final RedisConnectionFactory connectionFactory;

	private final String nodeId;

	private final String prefix;

	private final long heartbeatMillis;

	private final long nodeTimeoutMillis;

	private final BlockingQueue<Consumer<StringRedisConnection>> outbound;

	private final AtomicLong publishFailures = new AtomicLong();

	private volatile boolean available;

	private volatile int nodes;

	private volatile Set<String> liveNodes = Set.of();

	private volatile long clusterConnections;

	private volatile @Nullable String lastError;

	private @Nullable RedisMessageListenerContainer listeners;

	private @Nullable ScheduledExecutorService heartbeat;

	private @Nullable Thread publisher;

	private volatile boolean running;

	// ---- cross-node resume

	private final ObjectMapper json = new ObjectMapper();

	private final long tokenTtlMillis;

	/**
	 * Sequence number of this node's broadcasts. Starts from the clock so that a node restarted under the same id
	 * numbers above what it published before.
	 */
	private final AtomicLong publishSeq = new AtomicLong(System.currentTimeMillis() * 1_000_000L);

	/** Last broadcast sequence number delivered here, per publishing node; written on the subscription thread. */
	private final Map<String, Long> consumed = new ConcurrentHashMap<>();

	/**
	 * Held shared by this node's broadcasts (number, deliver locally, record, queue) and exclusively while a
	 * session is handed over or adopted, so that a session's frames and the broadcast numbers agree.
	 */
	private final ReentrantReadWriteLock handoverLock = new ReentrantReadWriteLock();

	private final Map<String, PendingResume> pendingResumes = new ConcurrentHashMap<>();

	private final Map<String, Moved> moved = new ConcurrentHashMap<>();

	private final Map<String, String> tokenKeys = new ConcurrentHashMap<>();

	/**
	 * Creates a bridge and connects the engine to it.
	 * @param manager the engine
	 * @param connectionFactory the application's Redis connections
	 * @param nodeId id of this node
	 * @param prefix prefix of every key and channel
	 * @param heartbeatInterval interval of registration refreshes
	 * @param nodeTimeout time after which a silent node's registration expires
	 * @param publishQueue bound of the queue of pending Redis operations
	 */
	public RedisClusterBridge(SessionManager manager, RedisConnectionFactory connectionFactory, String nodeId,
			String prefix, Duration heartbeatInterval, Duration nodeTimeout, int publishQueue) {
		if (nodeTimeout.compareTo(heartbeatInterval) <= 0) {
			throw new IllegalArgumentException("pulse.cluster.node-timeout (" + nodeTimeout
					+ ") must be longer than pulse.cluster.heartbeat-interval (" + heartbeatInterval + ")");
		}
		this.manager = manager;
		this.connectionFactory = connectionFactory;
		this.redis = new StringRedisTemplate(connectionFactory);
		this.nodeId = nodeId;
		this.prefix = prefix;
		this.heartbeatMillis = heartbeatInterval.toMillis();
		this.nodeTimeoutMillis = nodeTimeout.toMillis();
		this.outbound = new ArrayBlockingQueue<>(publishQueue);
		this.tokenTtlMillis = Math.max(manager.settings().resumeWindow().toMillis(), this.nodeTimeoutMillis);
		manager.setClusterBridge(this);
	}

	// ---- ClusterBridge

	@Override
	public void broadcast(String room, EncodedBody body) {
		broadcast(room, body, () -> 0);
	}

	@Override
	public int broadcast(String room, EncodedBody body, IntSupplier localDelivery) {
		this.handoverLock.readLock().lock();
		try {
			long seq = this.publishSeq.incrementAndGet();
			int recipients = localDelivery.getAsInt();
			if (!this.pendingResumes.isEmpty()) {
				Later later = new Later(this.nodeId, seq, room, body.text());
				this.pendingResumes.values().forEach((pending) -> pending.later.add(later));
			}
			offer((connection) -> connection.publish(broadcastChannel(),
					"B|" + this.nodeId + "|" + seq + "|" + room + "|" + body.text()));
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
		return offer((connection) -> connection.publish(nodeChannel(node),
				"S" + connectionId.length() + ":" + connectionId + body.text()));
	}

	@Override
	public boolean kick(String connectionId) {
		String node = lookup(connectionId);
		if (node == null) {
			return false;
		}
		return offer((connection) -> connection.publish(nodeChannel(node), "K" + connectionId));
	}

	@Override
	public void sessionStarted(String connectionId) {
		offer((connection) -> connection.set(connectionKey(connectionId), this.nodeId,
				Expiration.milliseconds(this.nodeTimeoutMillis), SetOption.upsert()));
	}

	@Override
	public void tokenIssued(String connectionId, String tokenKey) {
		this.tokenKeys.put(connectionId, tokenKey);
		if (!this.available) {
			// the first heartbeat that reaches Redis writes it
			return;
		}
		// written before the client gets the token, so that a resume anywhere finds it
		try {
			this.redis.opsForValue().set(tokenKey(tokenKey), this.nodeId, Duration.ofMillis(this.tokenTtlMillis));
		}
		catch (RuntimeException ex) {
			unavailable(ex);
		}
	}

	@Override
	public void sessionEnded(String connectionId) {
		this.tokenKeys.remove(connectionId);
		offer((connection) -> connection.eval(DELETE_IF_OWNER.getScriptAsString(),
				org.springframework.data.redis.connection.ReturnType.INTEGER, 1, connectionKey(connectionId),
				this.nodeId));
	}

	@Override
	public RemoteResume resume(String token, String tokenKey, long lastSeq, Transport transport,
			ConnectDecision decision, @Nullable Principal principal) {
		if (!this.available || !this.running) {
			return RemoteResume.UNKNOWN;
		}
		String owner;
		try {
			owner = this.redis.opsForValue().get(tokenKey(tokenKey));
		}
		catch (RuntimeException ex) {
			unavailable(ex);
			return RemoteResume.UNKNOWN;
		}
		if (owner == null || owner.equals(this.nodeId) || !this.liveNodes.contains(owner)) {
			// a dead owner took the session with it
			return RemoteResume.UNKNOWN;
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
			if (!offer((connection) -> connection.publish(nodeChannel(owner), request))) {
				this.pendingResumes.remove(requestId);
				return RemoteResume.UNKNOWN;
			}
		}
		finally {
			this.handoverLock.writeLock().unlock();
		}
		RemoteResume outcome = awaitHandover(requestId, pending, owner);
		PulseConnection adopted = outcome.connection();
		return (adopted != null)
				? new RemoteResume(this.manager.attachAdopted(adopted, transport, lastSeq), null) : outcome;
	}

	private RemoteResume awaitHandover(String requestId, PendingResume pending, String owner) {
		try {
			return pending.result.get(this.nodeTimeoutMillis, TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			this.handoverLock.writeLock().lock();
			try {
				if (this.pendingResumes.remove(requestId) != null) {
					logger.warn("pulse cluster: node " + owner + " did not answer a resume hand-over within "
							+ this.nodeTimeoutMillis + " ms; the client gets a new session");
					return RemoteResume.UNKNOWN;
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
				this.publishFailures.get(), this.available ? null : this.lastError);
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
			String node = this.redis.opsForValue().get(connectionKey(connectionId));
			return (node == null || node.equals(this.nodeId)) ? null : node;
		}
		catch (RuntimeException ex) {
			unavailable(ex);
			return null;
		}
	}

	private boolean offer(Consumer<StringRedisConnection> operation) {
		if (!this.running || !this.outbound.offer(operation)) {
			this.publishFailures.incrementAndGet();
			return false;
		}
		return true;
	}

	// ---- publisher: one thread, batches pipelined in queue order

	private void publish() {
		List<Consumer<StringRedisConnection>> batch = new ArrayList<>(BATCH);
		while (this.running || !this.outbound.isEmpty()) {
			try {
				Consumer<StringRedisConnection> first = this.outbound.poll(100, TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				this.outbound.drainTo(batch, BATCH - 1);
				if (this.available) {
					this.redis.executePipelined((RedisCallback<?>) (connection) -> {
						StringRedisConnection strings = new DefaultStringRedisConnection(connection);
						for (Consumer<StringRedisConnection> operation : batch) {
							operation.accept(strings);
						}
						return null;
					});
				}
				else {
					this.publishFailures.addAndGet(batch.size());
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				this.publishFailures.addAndGet(batch.size());
				unavailable(ex);
			}
			finally {
				batch.clear();
			}
		}
	}

	// ---- heartbeat: registration, directory refresh, cluster counts

	void heartbeat() {
		try {
			List<String> ids = new ArrayList<>();
			for (PulseConnection connection : this.manager.connections()) {
				ids.add(connection.id());
			}
			List<String> tokenKeys = new ArrayList<>(this.tokenKeys.values());
			long now = System.currentTimeMillis();
			this.moved.values().removeIf((entry) -> entry.expiresAt < now);
			long expiry = now + this.nodeTimeoutMillis;
			Expiration ttl = Expiration.milliseconds(this.nodeTimeoutMillis);
			this.redis.executePipelined((RedisCallback<?>) (connection) -> {
				StringRedisConnection strings = new DefaultStringRedisConnection(connection);
				strings.zAdd(nodesKey(), expiry, this.nodeId);
				strings.zRemRangeByScore(nodesKey(), Double.NEGATIVE_INFINITY, now);
				strings.set(countKey(this.nodeId), Integer.toString(this.manager.connectionCount()), ttl,
						SetOption.upsert());
				for (String id : ids) {
					strings.set(connectionKey(id), this.nodeId, ttl, SetOption.upsert());
				}
				Expiration tokenTtl = Expiration.milliseconds(this.tokenTtlMillis);
				for (String key : tokenKeys) {
					strings.set(tokenKey(key), this.nodeId, tokenTtl, SetOption.upsert());
				}
				return null;
			});
			Set<String> live = this.redis.opsForZSet().rangeByScore(nodesKey(), now, Double.POSITIVE_INFINITY);
			List<String> nodeIds = (live != null) ? new ArrayList<>(live) : List.of();
			long total = 0;
			int counted = 0;
			if (!nodeIds.isEmpty()) {
				List<String> counts = this.redis.opsForValue()
					.multiGet(nodeIds.stream().map(this::countKey).toList());
				for (String count : (counts != null) ? counts : List.<String>of()) {
					if (count != null) {
						total += Long.parseLong(count);
						counted++;
					}
				}
			}
			this.liveNodes = Set.copyOf(nodeIds);
			this.clusterConnections = total;
			this.nodes = counted;
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

	private void unavailable(Exception ex) {
		this.lastError = ex.getClass().getSimpleName() + ": " + ex.getMessage();
		if (this.available) {
			logger.warn("pulse cluster: node " + this.nodeId + " lost Redis (" + this.lastError
					+ "); serving local connections only until it is back");
		}
		this.available = false;
	}

	// ---- inbound messages

	private void onBroadcast(Message message) {
		String text = new String(message.getBody(), StandardCharsets.UTF_8);
		int nodeEnd = text.indexOf('|', 2);
		int seqEnd = (nodeEnd > 0) ? text.indexOf('|', nodeEnd + 1) : -1;
		int roomEnd = (seqEnd > 0) ? text.indexOf('|', seqEnd + 1) : -1;
		if (!text.startsWith("B|") || roomEnd < 0) {
			logger.warn("pulse cluster: ignored a malformed broadcast message");
			return;
		}
		if (text.regionMatches(2, this.nodeId, 0, nodeEnd - 2) && nodeEnd - 2 == this.nodeId.length()) {
			return;
		}
		String publisher = text.substring(2, nodeEnd);
		long seq = Long.parseLong(text, nodeEnd + 1, seqEnd, 10);
		String room = text.substring(seqEnd + 1, roomEnd);
		String body = text.substring(roomEnd + 1);
		this.consumed.put(publisher, seq);
		if (!this.pendingResumes.isEmpty()) {
			Later later = new Later(publisher, seq, room, body);
			this.pendingResumes.values().forEach((pending) -> pending.later.add(later));
		}
		this.manager.deliverBroadcast(room, body);
	}

	private void onCommand(Message message) {
		String text = new String(message.getBody(), StandardCharsets.UTF_8);
		if (text.startsWith("K")) {
			String connectionId = text.substring(1);
			if (!this.manager.kickLocal(connectionId)) {
				forwardIfMoved(connectionId, text);
			}
		}
		else if (text.startsWith("S")) {
			int colon = text.indexOf(':');
			int length = Integer.parseInt(text.substring(1, colon));
			String connectionId = text.substring(colon + 1, colon + 1 + length);
			if (!this.manager.deliverSend(connectionId, text.substring(colon + 1 + length))) {
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
		Map<String, Long> delivered;
		this.handoverLock.writeLock().lock();
		try {
			state = this.manager.handOver(request.token(), request.principalName(), request.connectionId(),
					request.lastSeq());
			delivered = new HashMap<>(this.consumed);
			delivered.put(this.nodeId, this.publishSeq.get());
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
				(state != null) ? attributeTypes(state.attributes()) : Map.of(), delivered);
		String encoded;
		try {
			encoded = "H" + this.json.writeValueAsString(reply);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
		if (!offer((connection) -> connection.publish(nodeChannel(request.replyNode()), encoded)) && state != null) {
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
				state = new HandoverState(state.connectionId(), state.principalName(),
						typed(state.attributes(), reply.attributeTypes()), state.rooms(), state.lastSeq(),
						state.frames());
			}
			if (state == null) {
				pending.result.complete(new RemoteResume(null,
						"expired".equals(reply.failure()) ? "expired" : "unknown"));
				return;
			}
			Set<String> rooms = new HashSet<>(state.rooms());
			List<String> later = new ArrayList<>();
			for (Later broadcast : pending.later) {
				Long delivered = reply.delivered().get(broadcast.node());
				if (rooms.contains(broadcast.room()) && (delivered == null || broadcast.seq() > delivered)) {
					later.add(broadcast.body());
				}
			}
			try {
				PulseConnection connection = this.manager.adopt(state, later, pending.decision, pending.principal);
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

	private void forwardIfMoved(String connectionId, String command) {
		Moved target = this.moved.get(connectionId);
		if (target != null) {
			offer((connection) -> connection.publish(nodeChannel(target.node), command));
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

	private record Later(String node, long seq, String room, String body) {
	}

	private record Moved(String node, long expiresAt) {
	}

	record HandoverRequest(String requestId, String replyNode, String token, long lastSeq,
			@Nullable String principalName, @Nullable String connectionId) {
	}

	record HandoverReply(String requestId, @Nullable String failure, @Nullable HandoverState state,
			Map<String, String> attributeTypes, Map<String, Long> delivered) {
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

	// ---- keys

	private String tokenKey(String key) {
		return this.prefix + "token:" + key;
	}

	private String broadcastChannel() {
		return this.prefix + "broadcast";
	}

	private String nodeChannel(String node) {
		return this.prefix + "node:" + node;
	}

	private String connectionKey(String connectionId) {
		return this.prefix + "conn:" + connectionId;
	}

	private String countKey(String node) {
		return this.prefix + "count:" + node;
	}

	private String nodesKey() {
		return this.prefix + "nodes";
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
		container.addMessageListener((MessageListener) (message, pattern) -> safely(() -> onBroadcast(message)),
				new ChannelTopic(broadcastChannel()));
		container.addMessageListener((MessageListener) (message, pattern) -> safely(() -> onCommand(message)),
				new ChannelTopic(nodeChannel(this.nodeId)));
		container.afterPropertiesSet();
		container.start();
		this.listeners = container;
		Thread thread = new Thread(this::publish, "pulse-cluster-publisher");
		thread.setDaemon(true);
		thread.start();
		this.publisher = thread;
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
		Thread thread = this.publisher;
		if (thread != null) {
			try {
				thread.join(Math.max(1000, this.nodeTimeoutMillis));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		if (this.available) {
			try {
				this.redis.opsForZSet().remove(nodesKey(), this.nodeId);
				this.redis.delete(countKey(this.nodeId));
			}
			catch (RuntimeException ex) {
				logger.debug("pulse cluster: could not deregister node " + this.nodeId, ex);
			}
		}
		RedisMessageListenerContainer container = this.listeners;
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
		this.publisher = null;
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
