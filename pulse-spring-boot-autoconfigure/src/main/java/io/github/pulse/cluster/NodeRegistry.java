package io.github.pulse.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.types.Expiration;

/**
 * The node registry and the connection directory.
 * <ul>
 * <li>Each node registers in the sorted set {@code <prefix>nodes} (score: expiry time) and writes its live
 * connection count to {@code <prefix>count:<node>}; the cluster count is their sum as of the last heartbeat.</li>
 * <li>The directory {@code <prefix>conn:<id>} maps a connection id to its node, with the node timeout as TTL,
 * rewritten on every heartbeat: when a node dies its entries expire. A send or kick to a connection of another node
 * goes through the pipeline to a script that looks the owner up in Redis and publishes on its command channel: no
 * caller waits for the lookup. A send to a user has no directory: a script publishes it to every other live node,
 * and each delivers it to the user's connections it holds.</li>
 * </ul>
 */
final class NodeRegistry {

	private final StringRedisTemplate redis;

	private final ClusterKeys keys;

	private final String nodeId;

	private final long nodeTimeoutMillis;

	private final long counterTtlMillis;

	private final ClusterPublisher publisher;

	private volatile Set<String> liveNodes = Set.of();

	private volatile long connections;

	NodeRegistry(StringRedisTemplate redis, ClusterKeys keys, String nodeId, long nodeTimeoutMillis,
			long counterTtlMillis, ClusterPublisher publisher) {
		this.redis = redis;
		this.keys = keys;
		this.nodeId = nodeId;
		this.nodeTimeoutMillis = nodeTimeoutMillis;
		this.counterTtlMillis = counterTtlMillis;
		this.publisher = publisher;
	}

	// ---- registry

	/**
	 * Registers this node, drops expired registrations and refreshes directory entries, in the heartbeat's pipeline.
	 * @param strings the pipelined connection
	 * @param now the time, epoch milliseconds
	 * @param connectionCount this node's live connections
	 * @param connectionIds connections whose directory entry no snapshot refresh rewrites
	 */
	void register(StringRedisConnection strings, long now, int connectionCount, Collection<String> connectionIds) {
		Expiration ttl = Expiration.milliseconds(this.nodeTimeoutMillis);
		strings.zAdd(this.keys.nodes(), now + this.nodeTimeoutMillis, this.nodeId);
		strings.zRemRangeByScore(this.keys.nodes(), Double.NEGATIVE_INFINITY, now);
		strings.set(this.keys.count(this.nodeId), Integer.toString(connectionCount), ttl, SetOption.upsert());
		for (String id : connectionIds) {
			strings.set(this.keys.connection(id), this.nodeId, ttl, SetOption.upsert());
		}
	}

	/**
	 * Reads the live nodes and their connection counts (heartbeat thread).
	 * @param now the time, epoch milliseconds
	 * @return how many nodes had a count
	 */
	int readLive(long now) {
		Set<String> live = this.redis.opsForZSet().rangeByScore(this.keys.nodes(), now, Double.POSITIVE_INFINITY);
		List<String> nodeIds = (live != null) ? new ArrayList<>(live) : List.of();
		long total = 0;
		int counted = 0;
		if (!nodeIds.isEmpty()) {
			List<String> counts = this.redis.opsForValue().multiGet(nodeIds.stream().map(this.keys::count).toList());
			for (String count : (counts != null) ? counts : List.<String>of()) {
				if (count != null) {
					total += Long.parseLong(count);
					counted++;
				}
			}
		}
		this.liveNodes = Set.copyOf(nodeIds);
		this.connections = total;
		return counted;
	}

	/**
	 * The registered nodes as of the last heartbeat: the one view that node counts and resumes decide by.
	 * @return their ids
	 */
	Set<String> liveNodes() {
		return this.liveNodes;
	}

	boolean isLive(String node) {
		return this.liveNodes.contains(node);
	}

	long connections() {
		return this.connections;
	}

	/** Removes this node's registration (at stop). */
	void deregister() {
		this.redis.opsForZSet().remove(this.keys.nodes(), this.nodeId);
		this.redis.delete(this.keys.count(this.nodeId));
	}

	// ---- directory

	/**
	 * Names this node as a connection's owner, through the pipeline.
	 * @param connectionId the connection
	 */
	void sessionStarted(String connectionId) {
		this.publisher.offer((connection) -> connection.set(this.keys.connection(connectionId), this.nodeId,
				Expiration.milliseconds(this.nodeTimeoutMillis), SetOption.upsert()));
	}

	/**
	 * Deletes a connection's entry if it still names this node, through the pipeline.
	 * @param connectionId the connection
	 */
	void sessionEnded(String connectionId) {
		this.publisher.offer((connection) -> connection.eval(ClusterScripts.DELETE_IF_OWNER, ReturnType.INTEGER, 1,
				this.keys.connection(connectionId), this.nodeId));
	}

	/**
	 * Names this node as a connection's owner now, synchronously: a session rebuilt here after its node died.
	 * @param connectionId the connection
	 */
	void takeOver(String connectionId) {
		this.redis.opsForValue().set(this.keys.connection(connectionId), this.nodeId,
				Duration.ofMillis(this.nodeTimeoutMillis));
	}

	/**
	 * Queues a direct send to a connection that does not live here: Redis counts it and publishes it to the node the
	 * directory names, in one script.
	 * @param connectionId the connection
	 * @param body the encoded body
	 * @return whether it was queued
	 */
	boolean send(String connectionId, String body) {
		return this.publisher.offer((connection) -> connection.eval(ClusterScripts.SEND, ReturnType.INTEGER, 2,
				this.keys.connection(connectionId), this.keys.sends(connectionId), this.nodeId,
				this.keys.nodeChannelPrefix(), connectionId.length() + ":" + connectionId, body,
				Long.toString(this.counterTtlMillis)));
	}

	/**
	 * Queues a send to a user's connections on the other nodes: {@code U<length>:<user><body>} on the command channel
	 * of every node live when the pipeline gets to Redis.
	 * @param user the user
	 * @param body the encoded body
	 * @return whether it was queued
	 */
	boolean sendToUser(String user, String body) {
		return publishToOthers("U" + user.length() + ":" + user + body);
	}

	/**
	 * Queues a message on the command channel of every other node live when the pipeline gets to Redis.
	 * @param message the message
	 * @return whether it was queued
	 */
	boolean publishToOthers(String message) {
		return this.publisher.offer((connection) -> connection.eval(ClusterScripts.PUBLISH_TO_OTHERS,
				ReturnType.INTEGER, 1, this.keys.nodes(), this.nodeId, this.keys.nodeChannelPrefix(),
				Long.toString(System.currentTimeMillis()), message));
	}

	/**
	 * Queues a message on the command channel of one node.
	 * @param node the node
	 * @param message the message
	 * @return whether it was queued
	 */
	boolean publishTo(String node, String message) {
		return this.publisher.offer((connection) -> connection.publish(this.keys.nodeChannel(node), message));
	}

	/**
	 * Queues a kick of a connection that does not live here, to the node the directory names.
	 * @param connectionId the connection
	 * @return whether it was queued
	 */
	boolean kick(String connectionId) {
		return this.publisher.offer((connection) -> connection.eval(ClusterScripts.KICK, ReturnType.INTEGER, 1,
				this.keys.connection(connectionId), this.nodeId, this.keys.nodeChannelPrefix(), connectionId));
	}

	/**
	 * Queues a hand-over request to a session's owner, which Redis prefixes with where the cluster stands as it
	 * publishes it (request.lua).
	 * @param owner the owner
	 * @param request the encoded request
	 * @return whether it was queued
	 */
	boolean requestHandover(String owner, String request) {
		return this.publisher.offer((connection) -> connection.eval(ClusterScripts.REQUEST, ReturnType.INTEGER, 3,
				this.keys.nodeChannel(owner), this.keys.epoch(), this.keys.globalSeq(), request));
	}

	/**
	 * Queues a command to another node, on its command channel.
	 * @param node the node
	 * @param command the command
	 * @return whether it was queued
	 */
	boolean command(String node, String command) {
		return this.publisher.offer((connection) -> connection.publish(this.keys.nodeChannel(node), command));
	}

}
