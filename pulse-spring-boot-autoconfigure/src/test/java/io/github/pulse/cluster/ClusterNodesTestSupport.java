package io.github.pulse.cluster;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.ChatTestApplication;
import io.github.pulse.test.ChatTestApplication.RecordingListener;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.IdentityTestConfiguration;
import io.github.pulse.test.RedisServer;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several pulse nodes (separate application contexts on random ports) sharing a real Redis server, with the clients
 * and proxies a test opened, all closed after each test.
 */
abstract class ClusterNodesTestSupport {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	/** A key prefix of this test's own, so that tests never see each other's keys. */
	protected final String keyPrefix = "pulse-test-" + UUID.randomUUID() + ":";

	protected final List<ConfigurableApplicationContext> nodes = new ArrayList<>();

	protected final List<FaultInjectingProxy> proxies = new ArrayList<>();

	protected final List<TestClient> clients = new ArrayList<>();

	protected final ObjectMapper json = new ObjectMapper();

	@AfterEach
	void stopNodes() throws IOException {
		this.clients.forEach(TestClient::abort);
		this.nodes.forEach(ConfigurableApplicationContext::close);
		for (FaultInjectingProxy proxy : this.proxies) {
			proxy.close();
		}
	}

	/**
	 * Starts a node of the test application with the cluster on, this test's key prefix, a 200 ms heartbeat and the
	 * given further properties.
	 * @param redisPort the Redis port the node connects to
	 * @param properties further properties ({@code name=value})
	 */
	protected void startNode(int redisPort, String... properties) {
		int number = this.nodes.size() + 1;
		this.nodes.add(new SpringApplicationBuilder(ChatTestApplication.class,
				ClusterIntegrationTests.RedisConfiguration.class, IdentityTestConfiguration.class)
			.properties("server.port=0", "pulse.cluster.enabled=true", "pulse.cluster.node-id=node-" + number,
					"pulse.cluster.key-prefix=" + this.keyPrefix, "pulse.cluster.heartbeat-interval=200ms",
					"test.redis.port=" + redisPort, "pulse.buffer.send-frames=1000")
			.properties(properties)
			.run());
	}

	/**
	 * Starts {@code count} nodes with the same properties on this test's Redis and waits until they see each other.
	 * @param count how many nodes
	 * @param properties their further properties ({@code name=value})
	 */
	protected void startNodes(int count, String... properties) {
		for (int i = 0; i < count; i++) {
			startNode(redis.port(), properties);
		}
		awaitNodesSeeEachOther();
	}

	/** Waits until every node counts all the nodes as live. */
	protected void awaitNodesSeeEachOther() {
		int count = this.nodes.size();
		for (int i = 0; i < count; i++) {
			int index = i;
			Awaitility.await()
				.untilAsserted(() -> assertThat(manager(index).clusterBridge().status().nodes()).isEqualTo(count));
		}
	}

	protected int port(int node) {
		return ((WebServerApplicationContext) this.nodes.get(node)).getWebServer().getPort();
	}

	protected URI uri(int node, String query) {
		return URI.create("ws://localhost:" + port(node) + "/pulse" + query);
	}

	protected TestClient connect(int node, String query, Map<String, String> headers) {
		TestClient client = TestClient.connect(uri(node, query), headers);
		this.clients.add(client);
		return client;
	}

	/**
	 * Connects a client of a user (the test application takes the user from {@code X-User}) to {@code ?room=lobby}
	 * and reads its welcome.
	 */
	protected TestClient connectUser(int node, String user) {
		TestClient client = connect(node, "?room=lobby", Map.of("X-User", user));
		client.nextOfType("welcome");
		return client;
	}

	/** Joins a room from the client side and reads the answer. */
	protected static JsonNode join(TestClient client, String room) {
		client.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"j\"}");
		return client.nextOfType("joined");
	}

	/** The presence view of a {@code joined} answer: user to connections, in its order. */
	protected static Map<String, Integer> view(JsonNode joined) {
		Map<String, Integer> view = new LinkedHashMap<>();
		joined.path("presence").forEach((entry) -> view.put(entry.path("user").asText(),
				entry.path("connections").asInt()));
		return view;
	}

	/** The next presence frame of a client, as {@code "joined <user>"} or {@code "left <user>"}. */
	protected static String nextPresence(TestClient client) {
		JsonNode frame = client.nextOfType("presence");
		return frame.has("joined") ? "joined " + frame.path("joined").path("user").asText()
				: "left " + frame.path("left").path("user").asText();
	}

	/** Waits until a node's presence view of a room is {@code expected}. */
	protected void awaitView(int node, String room, Map<String, Integer> expected) {
		Awaitility.await()
			.untilAsserted(() -> assertThat(manager(node).presence(room)).as("presence on node %d", node)
				.containsExactlyInAnyOrderEntriesOf(expected));
	}

	/** Waits until every node's presence view of a room is {@code expected}. */
	protected void awaitViews(String room, Map<String, Integer> expected) {
		for (int node = 0; node < this.nodes.size(); node++) {
			awaitView(node, room, expected);
		}
	}

	/** The next {@code count} presence frames of a client (see {@link #nextPresence}). */
	protected static List<String> presence(TestClient client, int count) {
		List<String> events = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			events.add(nextPresence(client));
		}
		return events;
	}

	/** The presence frames a client gets before {@code marker} (see {@link #nextPresence}). */
	protected static List<String> presenceUntil(TestClient client, String marker) {
		List<String> events = new ArrayList<>();
		for (String event = nextPresence(client); !event.equals(marker); event = nextPresence(client)) {
			events.add(event);
		}
		return events;
	}

	protected SessionManager manager(int node) {
		return this.nodes.get(node).getBean(SessionManager.class);
	}

	protected RecordingListener listener(int node) {
		return this.nodes.get(node).getBean(RecordingListener.class);
	}

	protected PulseConnection connection(int node, String id) {
		PulseConnection connection = manager(node).connection(id);
		assertThat(connection).as("connection %s on node %d", id, node).isNotNull();
		return connection;
	}

	/** The lookup half of a resume token, as the cluster's Redis keys name it. */
	protected static String tokenKey(String token) {
		byte[] bytes = Base64.getUrlDecoder().decode(token);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(bytes, 16));
	}

	/**
	 * Starts two nodes with the given properties, the second reaching Redis through a fault-injecting proxy.
	 * @param properties both nodes' further properties
	 * @return the second node's link to Redis
	 */
	protected FaultInjectingProxy startTwoNodesTheSecondBehindALink(String... properties) throws IOException {
		FaultInjectingProxy link = new FaultInjectingProxy(redis.port());
		this.proxies.add(link);
		startNode(redis.port(), properties);
		startNode(link.port(), properties);
		awaitNodesSeeEachOther();
		return link;
	}

	/** Cuts a node from Redis without stopping it: no deregistration, no drain; to the cluster, a crash. */
	protected void killNode(int node) {
		this.nodes.get(node).getBean(LettuceConnectionFactory.class).destroy();
	}

	protected long snapshotSeq(String token) throws Exception {
		return snapshot(token).path("seq").asLong(-1);
	}

	/** The session snapshot the owner keeps in Redis for this token, or a missing node. */
	protected JsonNode snapshot(String token) throws Exception {
		String key = tokenKey(token);
		StringRedisTemplate template = new StringRedisTemplate(
				this.nodes.get(0).getBean(LettuceConnectionFactory.class));
		Object snapshot = template.opsForHash().get(this.keyPrefix + "session:" + key, "j");
		return (snapshot != null && !snapshot.toString().isEmpty()) ? this.json.readTree(snapshot.toString())
				: this.json.missingNode();
	}

}
