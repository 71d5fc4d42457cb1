package io.github.pulse.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import io.github.pulse.core.OverflowPolicy;
import io.github.pulse.core.PulseSettings;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DataSizeUnit;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;
import org.springframework.util.unit.DataUnit;

/**
 * Configuration properties of pulse.
 */
@ConfigurationProperties("pulse")
public class PulseProperties implements InitializingBean {

	/**
	 * Whether to enable the pulse WebSocket endpoint.
	 */
	private boolean enabled = true;

	/**
	 * Path of the WebSocket endpoint.
	 */
	private String path = "/pulse";

	/**
	 * Room joined by the default connect handler when the handshake has no 'room' query parameter.
	 */
	private String defaultRoom = "default";

	/**
	 * Origins allowed to connect besides the endpoint's own; empty means same-origin only.
	 */
	private List<String> allowedOrigins = new ArrayList<>();

	/**
	 * Origin patterns allowed to connect, such as 'https://*.example.com'.
	 */
	private List<String> allowedOriginPatterns = new ArrayList<>();

	/**
	 * Maximum number of live connections; handshakes beyond it get 503. -1 for no limit.
	 */
	private int maxConnections = -1;

	/**
	 * Maximum number of live connections from one client address; handshakes beyond it get 429. -1 for no limit.
	 */
	private int maxConnectionsPerAddress = -1;

	/**
	 * WebSocket subprotocols the server offers, in order of preference: a handshake gets the first one its client
	 * also lists, 400 if it lists only others, and none if it lists none.
	 */
	private List<String> subprotocols = new ArrayList<>(List.of("pulse.v1"));

	/**
	 * Largest inbound message; a larger one closes the connection with 1009.
	 */
	@DataSizeUnit(DataUnit.BYTES)
	private DataSize maxMessageSize = DataSize.ofKilobytes(64);

	/**
	 * Longest a single write may take before the transport is considered dead.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration writeTimeout = Duration.ofSeconds(10);

	/**
	 * Time without an inbound application message after which the connection is closed with 4003; unset for no
	 * limit.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private @Nullable Duration idleTimeout;

	/**
	 * Longest shutdown waits for queued frames to be written before closing connections with 1001.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration shutdownTimeout = Duration.ofSeconds(10);

	private final Heartbeat heartbeat = new Heartbeat();

	private final Buffer buffer = new Buffer();

	private final Delivery delivery = new Delivery();

	private final Resume resume = new Resume();

	private final Container container = new Container();

	private final Metrics metrics = new Metrics();

	private final Inbound inbound = new Inbound();

	private final Compression compression = new Compression();

	private final Handshake handshake = new Handshake();

	private final Threads threads = new Threads();

	private final Rooms rooms = new Rooms();

	/**
	 * Validates the settings as soon as they are bound, so that an invalid value stops startup with a message
	 * naming the property before any pulse bean is created.
	 */
	@Override
	public void afterPropertiesSet() {
		PulseSettingsFactory.create(this);
		if (this.cluster.isEnabled() && !org.springframework.util.ClassUtils
			.isPresent("org.springframework.data.redis.connection.RedisConnectionFactory", null)) {
			throw new IllegalStateException("pulse.cluster.enabled=true needs Spring Data Redis with Lettuce on the "
					+ "classpath: add spring-boot-starter-data-redis");
		}
		if (this.cluster.isEnabled()
				&& !org.springframework.util.ClassUtils.isPresent("tools.jackson.databind.json.JsonMapper", null)) {
			// the nodes' Redis records are written and read with Jackson 3, which the starter brings
			throw new IllegalStateException("pulse.cluster.enabled=true needs Jackson 3 on the classpath: "
					+ "add tools.jackson.core:jackson-databind (spring-boot-starter-json brings it)");
		}
	}
	private final Debug debug = new Debug();

	private final Cluster cluster = new Cluster();

	public Cluster getCluster() {
		return this.cluster;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getPath() {
		return this.path;
	}

	public void setPath(String path) {
		this.path = path;
	}

	public String getDefaultRoom() {
		return this.defaultRoom;
	}

	public void setDefaultRoom(String defaultRoom) {
		this.defaultRoom = defaultRoom;
	}

	public List<String> getAllowedOrigins() {
		return this.allowedOrigins;
	}

	public void setAllowedOrigins(List<String> allowedOrigins) {
		this.allowedOrigins = allowedOrigins;
	}

	public List<String> getAllowedOriginPatterns() {
		return this.allowedOriginPatterns;
	}

	public void setAllowedOriginPatterns(List<String> allowedOriginPatterns) {
		this.allowedOriginPatterns = allowedOriginPatterns;
	}

	public int getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(int maxConnections) {
		this.maxConnections = maxConnections;
	}

	public int getMaxConnectionsPerAddress() {
		return this.maxConnectionsPerAddress;
	}

	public void setMaxConnectionsPerAddress(int maxConnectionsPerAddress) {
		this.maxConnectionsPerAddress = maxConnectionsPerAddress;
	}

	public List<String> getSubprotocols() {
		return this.subprotocols;
	}

	public void setSubprotocols(List<String> subprotocols) {
		this.subprotocols = subprotocols;
	}

	public Compression getCompression() {
		return this.compression;
	}

	public Handshake getHandshake() {
		return this.handshake;
	}

	public DataSize getMaxMessageSize() {
		return this.maxMessageSize;
	}

	public void setMaxMessageSize(DataSize maxMessageSize) {
		this.maxMessageSize = maxMessageSize;
	}

	public Duration getWriteTimeout() {
		return this.writeTimeout;
	}

	public void setWriteTimeout(Duration writeTimeout) {
		this.writeTimeout = writeTimeout;
	}

	public @Nullable Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	public void setIdleTimeout(@Nullable Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public Heartbeat getHeartbeat() {
		return this.heartbeat;
	}

	public Buffer getBuffer() {
		return this.buffer;
	}

	public Delivery getDelivery() {
		return this.delivery;
	}

	public Resume getResume() {
		return this.resume;
	}

	public Container getContainer() {
		return this.container;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public Inbound getInbound() {
		return this.inbound;
	}

	public Debug getDebug() {
		return this.debug;
	}

	public Rooms getRooms() {
		return this.rooms;
	}

	public Threads getThreads() {
		return this.threads;
	}

	/**
	 * Threads of the engine's own executors, used unless the application defines a {@code PulseExecutors} bean.
	 */
	public static class Threads {

		/**
		 * Maximum number of platform threads doing the engine's I/O work (close frames, aborts, blocking pings);
		 * with virtual threads enabled each task gets its own virtual thread instead.
		 */
		private int ioPoolSize = 32;

		/**
		 * Time an idle I/O platform thread is kept before it ends.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration ioKeepAlive = Duration.ofSeconds(30);

		public int getIoPoolSize() {
			return this.ioPoolSize;
		}

		public void setIoPoolSize(int ioPoolSize) {
			this.ioPoolSize = ioPoolSize;
		}

		public Duration getIoKeepAlive() {
			return this.ioKeepAlive;
		}

		public void setIoKeepAlive(Duration ioKeepAlive) {
			this.ioKeepAlive = ioKeepAlive;
		}

	}

	/**
	 * Heartbeat settings.
	 */
	public static class Heartbeat {

		/**
		 * Time between WebSocket pings the server sends to each idle connection.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration interval = Duration.ofSeconds(25);

		/**
		 * Time a ping may wait for a pong or any other inbound frame before the transport is considered dead; must
		 * be shorter than the interval.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration timeout = Duration.ofSeconds(20);

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

	/**
	 * Per-connection send buffer settings.
	 */
	public static class Buffer {

		/**
		 * Maximum number of message frames queued and not yet written, per connection.
		 */
		private int sendFrames = 256;

		/**
		 * Maximum size of the message frames queued and not yet written, per connection.
		 */
		@DataSizeUnit(DataUnit.BYTES)
		private DataSize sendBytes = DataSize.ofMegabytes(1);

		/**
		 * What a broadcast does when a member's send buffer is full: drop-oldest, drop-newest or disconnect (close
		 * with 4002).
		 */
		private OverflowPolicy overflow = OverflowPolicy.DROP_OLDEST;

		public int getSendFrames() {
			return this.sendFrames;
		}

		public void setSendFrames(int sendFrames) {
			this.sendFrames = sendFrames;
		}

		public DataSize getSendBytes() {
			return this.sendBytes;
		}

		public void setSendBytes(DataSize sendBytes) {
			this.sendBytes = sendBytes;
		}

		public OverflowPolicy getOverflow() {
			return this.overflow;
		}

		public void setOverflow(OverflowPolicy overflow) {
			this.overflow = overflow;
		}

	}

	/**
	 * Where the writes of a broadcast start.
	 */
	public static class Delivery {

		/**
		 * Delivery lanes (threads) that start the writes of a broadcast to a large room, so that the broadcasting thread (the
		 * application's, or with a cluster the one that delivers every broadcast of the cluster on this node) only
		 * queues the frame for each member; 0 starts every write on the broadcasting thread. Defaults to the number
		 * of processors.
		 */
		private @Nullable Integer lanes;

		/**
		 * Smallest number of a room's members on this node from which a broadcast's writes are started on the
		 * delivery threads; smaller rooms are written on the broadcasting thread.
		 */
		private int minRoomSize = 64;

		public @Nullable Integer getLanes() {
			return this.lanes;
		}

		public void setLanes(@Nullable Integer lanes) {
			this.lanes = lanes;
		}

		/**
		 * The number of delivery lanes (threads), with the default applied.
		 * @return the count
		 */
		public int laneCount() {
			return (this.lanes != null) ? this.lanes : Runtime.getRuntime().availableProcessors();
		}

		public int getMinRoomSize() {
			return this.minRoomSize;
		}

		public void setMinRoomSize(int minRoomSize) {
			this.minRoomSize = minRoomSize;
		}

	}

	/**
	 * Session resume settings.
	 */
	public static class Resume {

		/**
		 * How long a session whose transport dropped abnormally waits to be resumed; 0 disables resume.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration window = Duration.ofSeconds(30);

		/**
		 * Maximum number of unacknowledged message frames kept for replay, per session.
		 */
		private int bufferFrames = 1024;

		/**
		 * Maximum size of the unacknowledged message frames kept for replay, per session.
		 */
		@DataSizeUnit(DataUnit.BYTES)
		private DataSize bufferBytes = DataSize.ofMegabytes(4);

		/**
		 * Failed resume attempts allowed per client address and minute; beyond it, resumes from that address are
		 * refused without looking at the token until the minute is over. 0 for no limit.
		 */
		private int maxFailuresPerMinute = PulseSettings.DEFAULT_RESUME_MAX_FAILURES_PER_MINUTE;

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public int getBufferFrames() {
			return this.bufferFrames;
		}

		public void setBufferFrames(int bufferFrames) {
			this.bufferFrames = bufferFrames;
		}

		public DataSize getBufferBytes() {
			return this.bufferBytes;
		}

		public void setBufferBytes(DataSize bufferBytes) {
			this.bufferBytes = bufferBytes;
		}

		public int getMaxFailuresPerMinute() {
			return this.maxFailuresPerMinute;
		}

		public void setMaxFailuresPerMinute(int maxFailuresPerMinute) {
			this.maxFailuresPerMinute = maxFailuresPerMinute;
		}

	}

	/**
	 * Servlet container settings.
	 */
	public static class Container {

		/**
		 * Size of the text message buffer the WebSocket container allocates per connection (its binary one is 128
		 * bytes: binary messages are refused on their first part); larger messages arrive in parts and are assembled
		 * up to the max message size.
		 */
		@DataSizeUnit(DataUnit.BYTES)
		private DataSize messageBufferSize = DataSize.ofKilobytes(1);

		/**
		 * Size of the I/O buffers Tomcat allocates per connection: the WebSocket input, output and encoder buffers
		 * (through the JVM-wide system property 'org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE', unless it is set
		 * already) and the connector's socket read and write buffers. Larger frames are read and written in several
		 * steps.
		 */
		@DataSizeUnit(DataUnit.BYTES)
		private DataSize ioBufferSize = DataSize.ofKilobytes(2);

		/**
		 * Whether to gather the frames waiting for a connection into its output buffer and write them with one
		 * asynchronous flush, encoded once per broadcast (Tomcat only; reaches Tomcat's internal asynchronous flush,
		 * and falls back to one write per frame through the public API when it is not there). Turn off to rule it
		 * out when diagnosing a container problem.
		 */
		private boolean gatherWrites = true;

		/**
		 * Whether the completion of a gathered write that the socket took at once runs on the thread that wrote,
		 * instead of being handed to another thread of Tomcat's executor (Tomcat only, with gather-writes; wraps the
		 * connector's executor while it runs, through Tomcat's internals, and leaves it alone when they are not
		 * there). Saves a task and usually a thread wake-up per write below saturation. Turn off to rule it out when
		 * diagnosing a container problem.
		 */
		private boolean inlineWriteCompletions = true;

		public boolean isInlineWriteCompletions() {
			return this.inlineWriteCompletions;
		}

		public void setInlineWriteCompletions(boolean inlineWriteCompletions) {
			this.inlineWriteCompletions = inlineWriteCompletions;
		}

		public boolean isGatherWrites() {
			return this.gatherWrites;
		}

		public void setGatherWrites(boolean gatherWrites) {
			this.gatherWrites = gatherWrites;
		}

		public DataSize getIoBufferSize() {
			return this.ioBufferSize;
		}

		public void setIoBufferSize(DataSize ioBufferSize) {
			this.ioBufferSize = ioBufferSize;
		}

		public DataSize getMessageBufferSize() {
			return this.messageBufferSize;
		}

		public void setMessageBufferSize(DataSize messageBufferSize) {
			this.messageBufferSize = messageBufferSize;
		}

	}

	/**
	 * Inbound messages: flood control, and the acknowledgement of numbered client messages.
	 */
	public static class Inbound {

		/**
		 * Messages per second a connection may send on average; a connection that sends more is closed with 1008.
		 * 0 for no limit.
		 */
		private double rate;

		/**
		 * Messages a connection may send at once above the rate; unset for one second's worth of the rate.
		 */
		private @Nullable Integer burst;

		/**
		 * Numbered client messages (cseq) processed after which the server acknowledges them at once; keep it well
		 * below the clients' send queue limit, which holds the messages until they are acknowledged.
		 */
		private int ackMessages = PulseSettings.DEFAULT_CLIENT_ACK_MESSAGES;

		/**
		 * Longest the server waits to acknowledge a numbered client message it processed, when fewer than
		 * ack-messages follow it.
		 */
		@DurationUnit(ChronoUnit.MILLIS)
		private Duration ackInterval = PulseSettings.DEFAULT_CLIENT_ACK_INTERVAL;

		public int getAckMessages() {
			return this.ackMessages;
		}

		public void setAckMessages(int ackMessages) {
			this.ackMessages = ackMessages;
		}

		public Duration getAckInterval() {
			return this.ackInterval;
		}

		public void setAckInterval(Duration ackInterval) {
			this.ackInterval = ackInterval;
		}

		public double getRate() {
			return this.rate;
		}

		public void setRate(double rate) {
			this.rate = rate;
		}

		public @Nullable Integer getBurst() {
			return this.burst;
		}

		public void setBurst(@Nullable Integer burst) {
			this.burst = burst;
		}

	}

	/**
	 * WebSocket compression (permessage-deflate, RFC 7692).
	 */
	public static class Compression {

		/**
		 * Whether to accept a client's offer of permessage-deflate; when off, the offer is hidden from the container
		 * and every frame goes uncompressed.
		 */
		private boolean enabled;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Handshake limits per client address.
	 */
	public static class Handshake {

		/**
		 * Handshakes per second one client address may make on average; beyond it they get 429. 0 for no limit.
		 */
		private double rate;

		/**
		 * Handshakes one client address may make at once above the rate; unset for one second's worth of the rate.
		 */
		private @Nullable Integer burst;

		/**
		 * Maximum number of client addresses tracked for the per-address limits; beyond it the addresses without a
		 * live connection are forgotten first.
		 */
		private int maxAddresses = 100_000;

		public double getRate() {
			return this.rate;
		}

		public void setRate(double rate) {
			this.rate = rate;
		}

		public @Nullable Integer getBurst() {
			return this.burst;
		}

		public void setBurst(@Nullable Integer burst) {
			this.burst = burst;
		}

		public int getMaxAddresses() {
			return this.maxAddresses;
		}

		public void setMaxAddresses(int maxAddresses) {
			this.maxAddresses = maxAddresses;
		}

	}

	/**
	 * Rooms that clients join and leave themselves, with join and leave frames.
	 */
	public static class Rooms {

		/**
		 * Room-name patterns ('*' for any characters, such as 'chat-*') that clients may join themselves; empty
		 * refuses every client-side join. Ignored when the application declares a PulseRoomAuthorizer bean.
		 */
		private List<String> clientJoin = new ArrayList<>();

		/**
		 * Room-name patterns that clients may not join themselves even when client-join matches, such as 'admin-*'.
		 */
		private List<String> clientJoinExcluded = new ArrayList<>();

		/**
		 * Most rooms a connection may be in, however it joined them, for a client-side join to succeed; beyond it
		 * the join is answered 'too many rooms'. Joins made by the server are not limited.
		 */
		private int maxPerConnection = io.github.pulse.core.SessionManager.DEFAULT_MAX_ROOMS_PER_CONNECTION;

		/**
		 * Room-name patterns ('*' for any characters, such as 'chat-*') of the rooms with presence: their members
		 * are told when a user's first connection joins and when its last one leaves, and the 'joined' answer to a
		 * client-side join lists who is there (cluster-wide on a cluster); empty turns presence off.
		 */
		private List<String> presence = new ArrayList<>();

		/**
		 * Room-name patterns ('*' for any characters) of the rooms with history: they keep their most recent
		 * broadcasts (in memory on one node, in the room's Redis stream on a cluster), and a client-side join may ask
		 * for them ('history' in the join frame); empty turns history off.
		 */
		private List<String> history = new ArrayList<>();

		/**
		 * Most recent broadcasts a room with history keeps, at most 1000; on a cluster its stream keeps at least as
		 * many.
		 */
		private int historySize = io.github.pulse.core.RoomHistory.DEFAULT_SIZE;

		/**
		 * Age beyond which a broadcast is no longer history; a room whose newest broadcast is older forgets its
		 * history (on a cluster its stream expires). Bounds the memory of rooms that fell silent.
		 */
		private Duration historyMaxAge = io.github.pulse.core.RoomHistory.DEFAULT_MAX_AGE;

		public List<String> getHistory() {
			return this.history;
		}

		public void setHistory(List<String> history) {
			this.history = history;
		}

		public int getHistorySize() {
			return this.historySize;
		}

		public void setHistorySize(int historySize) {
			this.historySize = historySize;
		}

		public Duration getHistoryMaxAge() {
			return this.historyMaxAge;
		}

		public void setHistoryMaxAge(Duration historyMaxAge) {
			this.historyMaxAge = historyMaxAge;
		}

		public List<String> getClientJoin() {
			return this.clientJoin;
		}

		public void setClientJoin(List<String> clientJoin) {
			this.clientJoin = clientJoin;
		}

		public List<String> getClientJoinExcluded() {
			return this.clientJoinExcluded;
		}

		public void setClientJoinExcluded(List<String> clientJoinExcluded) {
			this.clientJoinExcluded = clientJoinExcluded;
		}

		public int getMaxPerConnection() {
			return this.maxPerConnection;
		}

		public List<String> getPresence() {
			return this.presence;
		}

		public void setPresence(List<String> presence) {
			this.presence = presence;
		}

		public void setMaxPerConnection(int maxPerConnection) {
			this.maxPerConnection = maxPerConnection;
		}

	}

	/**
	 * Metrics settings.
	 */
	public static class Metrics {

		/**
		 * Whether to tag message meters with the room name.
		 */
		private boolean roomTags;

		/**
		 * Maximum number of distinct room tag values; further rooms are tagged 'other'.
		 */
		private int maxRoomTags = 100;

		public boolean isRoomTags() {
			return this.roomTags;
		}

		public void setRoomTags(boolean roomTags) {
			this.roomTags = roomTags;
		}

		public int getMaxRoomTags() {
			return this.maxRoomTags;
		}

		public void setMaxRoomTags(int maxRoomTags) {
			this.maxRoomTags = maxRoomTags;
		}

	}

	/**
	 * Testing aids; never enable them in production.
	 */
	public static class Debug {

		/**
		 * Whether a client may ask the server to drop its own transport without a close frame (event 'pulse.drop'),
		 * to try session resume from a browser. For tests and demos only.
		 */
		private boolean allowDrop;

		public boolean isAllowDrop() {
			return this.allowDrop;
		}

		public void setAllowDrop(boolean allowDrop) {
			this.allowDrop = allowDrop;
		}

	}

	/**
	 * Scale-out across several nodes on Redis.
	 */
	public static class Cluster {

		/**
		 * Whether nodes share rooms, connection ids and counts through Redis; needs a RedisConnectionFactory bean.
		 */
		private boolean enabled;

		/**
		 * Id of this node in the cluster; a random UUID when not set.
		 */
		private @Nullable String nodeId;

		/**
		 * Prefix of every Redis key and channel pulse uses; give each pulse service its own.
		 */
		private String keyPrefix = "pulse:";

		/**
		 * Interval at which the node refreshes its registration, its connection directory and the cluster counts.
		 */
		private Duration heartbeatInterval = Duration.ofSeconds(2);

		/**
		 * Time after the last heartbeat at which a node and its connections are considered gone.
		 */
		private Duration nodeTimeout = Duration.ofSeconds(10);

		/**
		 * Maximum number of Redis operations waiting to be published; further ones are dropped and counted.
		 */
		private int publishQueue = 65536;

		/**
		 * Broadcasts kept per room in a Redis stream, so that a client whose node died can resume on another node
		 * and get the broadcasts it missed; what is older is reported in the resume's "missed".
		 */
		private int streamRetention = 1000;

		/**
		 * Time after which a broadcast of this node that has not come back from Redis (slow or away) is delivered to
		 * this node's members directly, outside the cluster's order.
		 */
		private Duration localDeliveryTimeout = Duration.ofMillis(500);

		public Duration getLocalDeliveryTimeout() {
			return this.localDeliveryTimeout;
		}

		public void setLocalDeliveryTimeout(Duration localDeliveryTimeout) {
			this.localDeliveryTimeout = localDeliveryTimeout;
		}

		public int getStreamRetention() {
			return this.streamRetention;
		}

		public void setStreamRetention(int streamRetention) {
			this.streamRetention = streamRetention;
		}

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getNodeId() {
			return this.nodeId;
		}

		public void setNodeId(@Nullable String nodeId) {
			this.nodeId = nodeId;
		}

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

		public Duration getNodeTimeout() {
			return this.nodeTimeout;
		}

		public void setNodeTimeout(Duration nodeTimeout) {
			this.nodeTimeout = nodeTimeout;
		}

		public int getPublishQueue() {
			return this.publishQueue;
		}

		public void setPublishQueue(int publishQueue) {
			this.publishQueue = publishQueue;
		}

	}

}
