package io.github.pulse.cluster;

import java.time.Duration;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.actuate.endpoint.PulseEndpoint;
import io.github.pulse.core.ClusterStatus;
import io.github.pulse.health.PulseHealthIndicator;
import io.github.pulse.test.TestClient;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three nodes (separate application contexts on random ports) sharing a real Redis server started by the test.
 */
class ClusterIntegrationTests extends ClusterNodesTestSupport {

	@Test
	void broadcastReachesTheRoomOnEveryNodeInTheOrderThePublisherSent() {
		startNodes(3);
		TestClient[] members = { connect(0, "lobby"), connect(1, "lobby"), connect(2, "lobby") };
		TestClient outsider = connect(2, "elsewhere");
		for (int i = 1; i <= 500; i++) {
			manager(0).broadcast("lobby", "tick", i);
		}
		for (TestClient member : members) {
			for (int i = 1; i <= 500; i++) {
				JsonNode frame = member.nextOfType("message");
				assertThat(frame.path("room").asText()).isEqualTo("lobby");
				assertThat(frame.path("payload").asInt()).isEqualTo(i);
				assertThat(frame.path("seq").asLong()).isEqualTo(i);
			}
		}
		members[1].sendMessage("chat", "\"from node 2\"");
		for (TestClient member : members) {
			assertThat(member.nextOfType("message").path("payload").asText()).isEqualTo("from node 2");
		}
		assertThat(outsider.pending()).isEmpty();
	}

	@Test
	void sendAndKickByIdReachAConnectionWhereverItLives() {
		startNodes(3);
		TestClient onSecond = connect(1, "lobby");
		TestClient onThird = connect(2, "lobby");
		String secondId = welcomeId(onSecond);
		String thirdId = welcomeId(onThird);
		Awaitility.await().until(() -> manager(0).send(secondId, "direct", Map.of("to", "second")));
		JsonNode direct = onSecond.nextOfType("message");
		assertThat(direct.path("event").asText()).isEqualTo("direct");
		assertThat(direct.path("payload").path("to").asText()).isEqualTo("second");
		assertThat(direct.has("room")).isFalse();
		assertThat(manager(0).kick(thirdId)).isTrue();
		assertThat(onThird.awaitClose()).isEqualTo(new TestClient.Close(4000, "kicked"));
		// the kicked connection leaves the directory
		StringRedisTemplate redisTemplate = new StringRedisTemplate(
				this.nodes.get(0).getBean(LettuceConnectionFactory.class));
		Awaitility.await().until(() -> !redisTemplate.hasKey(this.keyPrefix + "conn:" + thirdId));
		// without a lookup on the caller's thread, the cluster accepts a send or kick for any id: the script finds no
		// owner when the pipeline gets to Redis, and nothing is published or counted
		assertThat(manager(0).kick("no-such-connection")).isTrue();
		assertThat(manager(0).send("no-such-connection", "nobody", null)).isTrue();
		assertThat(manager(0).send(thirdId, "late", null)).isTrue();
		// a send after them in the same pipeline arrives: the ones before it were dropped, not delivered elsewhere
		assertThat(manager(0).send(secondId, "after", null)).isTrue();
		assertThat(onSecond.nextOfType("message").path("event").asText()).isEqualTo("after");
		assertThat(redisTemplate.hasKey(this.keyPrefix + "sends:no-such-connection")).as("counted for nobody").isFalse();
	}

	@Test
	void everyNodeShowsItsOwnAndTheClusterConnectionCountInEndpointAndMeters() {
		startNodes(3);
		connect(0, "lobby");
		TestClient leaving = connect(0, "lobby");
		connect(1, "lobby");
		for (int node = 0; node < 3; node++) {
			int index = node;
			Awaitility.await().untilAsserted(() -> {
				ClusterStatus status = endpoint(index).pulse().cluster();
				assertThat(status).isNotNull();
				assertThat(status.nodes()).isEqualTo(3);
				assertThat(status.clusterConnections()).isEqualTo(3);
			});
		}
		assertThat(endpoint(0).pulse().connections()).isEqualTo(2);
		assertThat(endpoint(2).pulse().connections()).isZero();
		MeterRegistry meters = this.nodes.get(2).getBean(MeterRegistry.class);
		assertThat(meters.get("pulse.cluster.connections.active").gauge().value()).isEqualTo(3);
		assertThat(meters.get("pulse.cluster.nodes").gauge().value()).isEqualTo(3);
		assertThat(meters.get("pulse.connections.active").gauge().value()).isZero();
		leaving.close(1000);
		Awaitility.await()
			.untilAsserted(() -> assertThat(meters.get("pulse.cluster.connections.active").gauge().value())
				.isEqualTo(2));
	}

	@Test
	void aNodeThatVanishesWithoutDrainingLeavesTheDirectoryAndTheCountsAfterTheNodeTimeout() {
		startNodes(3);
		TestClient onThird = connect(2, "lobby");
		String thirdId = welcomeId(onThird);
		Awaitility.await().untilAsserted(() -> assertThat(status(0).clusterConnections()).isEqualTo(1));
		// cut the node from Redis without stopping it: to the cluster, this is a crash (no deregistration)
		this.nodes.get(2).getBean(LettuceConnectionFactory.class).destroy();
		Awaitility.await()
			.atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(status(0).nodes()).isEqualTo(2));
		assertThat(status(0).clusterConnections()).isZero();
		StringRedisTemplate redisTemplate = new StringRedisTemplate(
				this.nodes.get(0).getBean(LettuceConnectionFactory.class));
		Awaitility.await().until(() -> !redisTemplate.hasKey(this.keyPrefix + "conn:" + thirdId));
		// accepted, and dropped by the script: the directory names no node
		assertThat(manager(0).kick(thirdId)).isTrue();
		assertThat(manager(0).send(thirdId, "lost", null)).isTrue();
		assertThat(redisTemplate.opsForValue().get(this.keyPrefix + "sends:" + thirdId)).as("counted for nobody")
			.isIn(null, "0");
		assertThat(onThird.isClosed()).isFalse();
	}

	@Test
	void withRedisStoppedNodesServeLocallyReportDegradedAndRecoverWhenItReturns() {
		startNodes(2);
		TestClient first = connect(0, "lobby");
		TestClient second = connect(1, "lobby");
		String secondId = welcomeId(second);
		Awaitility.await().until(() -> manager(0).send(secondId, "warm-up", null));
		second.nextOfType("message");
		redis.stop();
		try {
			Awaitility.await()
				.atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(health(0).getStatus()).isEqualTo(PulseHealthIndicator.DEGRADED));
			assertThat(manager(0).broadcast("lobby", "local", 1)).isEqualTo(1);
			assertThat(first.nextOfType("message").path("event").asText()).isEqualTo("local");
			assertThat(manager(0).send(secondId, "unreachable", null)).isFalse();
			assertThat(manager(1).send(secondId, "local-send", null)).isTrue();
			assertThat(second.nextOfType("message").path("event").asText()).isEqualTo("local-send");
		}
		finally {
			redis.start();
		}
		Awaitility.await()
			.atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> {
				assertThat(health(0).getStatus()).isEqualTo(Status.UP);
				assertThat(health(1).getStatus()).isEqualTo(Status.UP);
				assertThat(status(0).clusterConnections()).isEqualTo(2);
			});
		// the directory was rebuilt in the empty Redis and the subscriptions came back
		Awaitility.await().until(() -> manager(0).send(secondId, "direct-again", null));
		assertThat(second.nextMatching((frame) -> "direct-again".equals(frame.path("event").asText()))).isNotNull();
		// the broadcast made while Redis was away was held and reaches the other node now, once
		Awaitility.await()
			.untilAsserted(() -> assertThat(second.history()).filteredOn((frame) -> "local".equals(frame.path("event").asText()))
				.hasSize(1));
		assertThat(first.history()).filteredOn((frame) -> "local".equals(frame.path("event").asText())).hasSize(1);
		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			manager(1).broadcast("lobby", "probe", null);
			assertThat(first.history()).anyMatch((frame) -> "probe".equals(frame.path("event").asText()));
		});
		manager(1).broadcast("lobby", "after-recovery", 7);
		assertThat(first.nextMatching((frame) -> "after-recovery".equals(frame.path("event").asText()))
			.path("payload")
			.asInt()).isEqualTo(7);
	}

	@Test
	void theLateEndOfAnOldSessionDeletesNeitherTheDirectoryEntryNorTheSnapshotOfTheNewSessionWithItsId() {
		startNodes(2);
		TestClient client = connect(0, "?id=reused&room=lobby", Map.of());
		String token = client.nextOfType("welcome").path("resumeToken").asText();
		StringRedisTemplate redisTemplate = new StringRedisTemplate(
				this.nodes.get(1).getBean(LettuceConnectionFactory.class));
		String snapshotKey = this.keyPrefix + "session:" + tokenKey(token);
		Awaitility.await().until(() -> redisTemplate.hasKey(snapshotKey) && redisTemplate.hasKey(this.keyPrefix + "conn:reused"));
		// the end of an older session with the same id, reported after the new one started (the race of a reused id)
		this.nodes.get(0).getBean(RedisClusterBridge.class).sessionEnded("reused");
		// a heartbeat later (it would have re-registered a deleted entry), both are still the new session's
		long beats = heartbeats(redisTemplate);
		Awaitility.await().until(() -> heartbeats(redisTemplate) > beats);
		assertThat(redisTemplate.opsForValue().get(this.keyPrefix + "conn:reused")).isEqualTo("node-1");
		assertThat(redisTemplate.hasKey(snapshotKey)).as("the live session's snapshot").isTrue();
		client.abort();
		TestClient resumed = connect(1, "?id=reused&room=lobby&resume=" + token + "&lastSeq=0", Map.of());
		assertThat(resumed.next().path("type").asText()).isEqualTo("resumed");
	}

	// ---- helpers

	/** Node 1's registration expiry: it moves on every heartbeat. */
	private long heartbeats(StringRedisTemplate redisTemplate) {
		Double score = redisTemplate.opsForZSet().score(this.keyPrefix + "nodes", "node-1");
		return (score != null) ? score.longValue() : 0;
	}

	private void startNodes(int count) {
		for (int i = 0; i < count; i++) {
			startNode(redis.port(), "pulse.cluster.node-timeout=2s",
					"management.endpoints.web.exposure.include=health,pulse");
		}
		awaitNodesSeeEachOther();
	}

	private TestClient connect(int node, String room) {
		TestClient client = connect(node, "?room=" + room, Map.of());
		client.nextOfType("welcome");
		return client;
	}

	private static String welcomeId(TestClient client) {
		return client.history().get(0).path("connectionId").asText();
	}

	private PulseEndpoint endpoint(int node) {
		return this.nodes.get(node).getBean(PulseEndpoint.class);
	}

	private ClusterStatus status(int node) {
		return manager(node).clusterBridge().status();
	}

	private org.springframework.boot.health.contributor.Health health(int node) {
		return this.nodes.get(node).getBean(PulseHealthIndicator.class).health(true);
	}

	/** The application's Redis connections, as spring-boot-starter-data-redis would make them. */
	@Configuration(proxyBeanMethods = false)
	static class RedisConfiguration {

		@Bean
		LettuceConnectionFactory redisConnectionFactory(@Value("${test.redis.port}") int port,
				@Value("${test.redis.timeout:1s}") Duration timeout) {
			return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port),
					LettuceClientConfiguration.builder().commandTimeout(timeout).build());
		}

	}

}
