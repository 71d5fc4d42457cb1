package io.github.pulse.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.PacedBroadcaster;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Room history on a cluster with a real Redis: a node serves the history its room's stream holds, also of
 * broadcasts made before it started, and a join's history ends where its live frames begin on every node while
 * the room is broadcast to, on three nodes; a room with history keeps its stream longer and larger than the others.
 */
class ClusterHistoryIntegrationTests extends ClusterNodesTestSupport {

	private static final String[] PROPERTIES = { "pulse.cluster.node-timeout=2s", "pulse.rooms.client-join=chat-*",
			"pulse.rooms.history=chat-*", "pulse.rooms.history-size=5", "pulse.rooms.history-max-age=1h", "pulse.buffer.send-frames=8192", "pulse.buffer.send-bytes=16MB",
			"pulse.resume.buffer-frames=8192", "pulse.resume.buffer-bytes=16MB" };

	private TestClient connect(int node) {
		TestClient client = connect(node, "?room=lobby", Map.of());
		client.nextOfType("welcome");
		return client;
	}

	private static String join(String room, String ref, int history) {
		return "{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"" + ref + "\",\"history\":" + history + "}";
	}

	private static String[] with(String... more) {
		String[] all = java.util.Arrays.copyOf(PROPERTIES, PROPERTIES.length + more.length);
		System.arraycopy(more, 0, all, PROPERTIES.length, more.length);
		return all;
	}

	@Test
	void aNodeStartedAfterTheBroadcastsServesTheHistoryTheRoomsStreamHolds() {
		// fewer than the room's history: a room with history keeps history-size
		String[] properties = with("pulse.cluster.stream-retention=2");
		startNode(redis.port(), properties);
		for (int i = 0; i < 7; i++) {
			manager(0).broadcast("chat-h", "chat", i);
		}
		StringRedisTemplate redisTemplate = new StringRedisTemplate(
				this.nodes.get(0).getBean(LettuceConnectionFactory.class));
		String stream = this.keyPrefix + "stream:chat-h";
		Awaitility.await().until(() -> redisTemplate.opsForStream().size(stream) == 7);
		startNode(redis.port(), properties);
		awaitNodesSeeEachOther();
		TestClient client = connect(1);
		client.send(join("chat-h", "1", 5));
		JsonNode joined = client.nextOfType("joined");
		assertThat(joined.path("history").asInt()).isEqualTo(5);
		for (int i = 2; i < 7; i++) {
			JsonNode frame = client.next();
			assertThat(frame.path("history").asBoolean()).isTrue();
			assertThat(frame.path("payload").asInt()).isEqualTo(i);
			assertThat(frame.has("missed")).isFalse();
		}
		manager(0).broadcast("chat-h", "chat", 7);
		JsonNode live = client.next();
		assertThat(live.path("payload").asInt()).isEqualTo(7);
		assertThat(live.has("history")).isFalse();
		// a room with history keeps at least history-size entries (stream-retention is 2) for at least its max age
		assertThat(redisTemplate.opsForStream().size(stream)).isGreaterThanOrEqualTo(5);
		assertThat(redisTemplate.getExpire(stream, TimeUnit.MINUTES)).isGreaterThan(50);
		assertThat(redisTemplate.getExpire(this.keyPrefix + "rseq:chat-h", TimeUnit.MINUTES)).isGreaterThan(50);
	}

	/**
	 * Clients on three nodes join while node 1 broadcasts: for each, the payloads of its history and then of its live
	 * frames are consecutive numbers, whether its join read the room's stream, waited for that read or found the
	 * node's copy ready, on the publishing node (whose own broadcasts come back from Redis) or another.
	 */
	@Test
	void historyEndsWhereLiveFramesBeginOnEveryNodeWhileOneBroadcasts() throws Exception {
		for (int i = 0; i < 3; i++) {
			startNode(redis.port(), PROPERTIES);
		}
		awaitNodesSeeEachOther();
		List<TestClient> joined = new ArrayList<>();
		try (PacedBroadcaster publisher = new PacedBroadcaster((n) -> manager(1).broadcast("chat-live", "chat", n),
				200)) {
			Awaitility.await().until(() -> publisher.sent() > 10);
			for (int i = 0; i < 24; i++) {
				TestClient client = connect(i % 3);
				joined.add(client);
				client.send(join("chat-live", "j" + i, 5));
			}
			int last = publisher.finish();
			// the publisher ran well ahead of every join: each found the room full
			for (int c = 0; c < joined.size(); c++) {
				PacedBroadcaster.assertHistoryThenLive(joined.get(c), 5, last, "client " + c + " on node " + (c % 3));
			}
		}
	}

	@Test
	void aLeaveRightAfterAJoinThatWaitsForTheStreamIsAnsweredAfterIt() {
		for (int i = 0; i < 2; i++) {
			startNode(redis.port(), PROPERTIES);
		}
		awaitNodesSeeEachOther();
		manager(0).broadcast("chat-order", "chat", 0);
		TestClient client = connect(1);
		client.send(join("chat-order", "j", 5)).send("{\"type\":\"leave\",\"room\":\"chat-order\",\"ref\":\"l\"}");
		JsonNode joined = client.nextOfType("joined");
		assertThat(joined.path("ref").asText()).isEqualTo("j");
		assertThat(joined.path("history").asInt()).isOne();
		assertThat(client.next().path("payload").asInt()).isZero();
		assertThat(client.nextOfType("left").path("ref").asText()).isEqualTo("l");
		Awaitility.await().until(() -> manager(1).connections("chat-order").isEmpty());
	}

}
