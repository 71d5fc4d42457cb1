package io.github.pulse.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.RedisMonitor;
import io.github.pulse.test.ResumingClient;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live hand-over's request or answer lost on the way (pub/sub delivers a message only to a subscriber connected at
 * that moment): the resuming node sends its request again until the node timeout, and the owner answers a request
 * it has answered with the same answer, never a second hand-over.
 */
class ClusterHandoverRetryIntegrationTests extends ClusterNodesTestSupport {

	@Test
	void aRequestLostWhileTheOwnersSubscriptionIsDownIsSentAgainAndTheSessionResumesWithEveryFrame()
			throws Exception {
		FaultInjectingProxy link = startTwoNodesTheSecondBehindALink("pulse.cluster.node-timeout=10s");
		String ownerChannel = this.keyPrefix + "node:node-2";
		ResumingClient client = new ResumingClient(uri(1, "?room=lobby"), Map.of(), 16);
		broadcast(1, 10);
		awaitMessages(client, 10);

		try (RedisMonitor monitor = new RedisMonitor(redis.port())) {
			// the owner's connections are gone and it cannot make new ones: its node channel has no subscriber
			link.blackhole(true);
			link.cutAll();
			Awaitility.await().until(() -> subscribers(ownerChannel) == 0);
			CompletableFuture<JsonNode> resumed = CompletableFuture
				.supplyAsync(() -> client.resumeOrStartOver(uri(0, "?room=lobby")));
			List<String> request = monitor.await(RedisMonitor.publish(ownerChannel, "R"), Duration.ofSeconds(5));
			assertThat(subscribers(ownerChannel)).as("subscribers when the request was published").isZero();
			// broadcasts the owner will catch up on from the streams before it gets the request again, or not
			broadcast(11, 20);
			link.blackhole(false);
			link.cutAll();

			JsonNode first = resumed.get(20, TimeUnit.SECONDS);
			assertThat(first.path("type").asText()).as("first frame, %s", first).isEqualTo("resumed");
			assertThat(first.path("missed").asLong()).isZero();
			// Redis prefixes each copy with the cluster's position when it publishes it: the request after it
			assertThat(monitor.seen((command) -> command.size() == 3 && command.get(1).equals(ownerChannel)
					&& withoutPosition(command.get(2)).equals(withoutPosition(request.get(2)))).size())
				.as("the same request, again")
				.isGreaterThan(1);
		}
		broadcast(21, 30);
		awaitMessages(client, 30);
		assertThat(payloads(client)).containsExactlyElementsOf(IntStream.rangeClosed(1, 30).boxed().toList());
		assertThat(manager(1).connection(client.connectionId())).as("on the old owner").isNull();
		assertThat(manager(0).connection(client.connectionId())).as("on the new node").isNotNull();
	}

	@Test
	void aRequestThatComesAgainAfterItsAnswerGetsTheSameAnswerAndNoSecondHandOver() throws Exception {
		startNode(redis.port(), "pulse.cluster.node-timeout=10s");
		startNode(redis.port(), "pulse.cluster.node-timeout=10s");
		awaitNodesSeeEachOther();
		String ownerChannel = this.keyPrefix + "node:node-2";
		String resumingChannel = this.keyPrefix + "node:node-1";
		ResumingClient client = new ResumingClient(uri(1, "?room=lobby"), Map.of(), 16);
		broadcast(1, 10);
		awaitMessages(client, 10);
		try (RedisMonitor monitor = new RedisMonitor(redis.port())) {
			JsonNode first = client.resumeOrStartOver(uri(0, "?room=lobby"));
			assertThat(first.path("type").asText()).as("first frame, %s", first).isEqualTo("resumed");
			List<String> request = monitor.await(RedisMonitor.publish(ownerChannel, "R"), Duration.ofSeconds(5));
			List<String> answer = monitor.await(RedisMonitor.publish(resumingChannel, "H"), Duration.ofSeconds(5));
			assertThat(answer.get(2)).as("the answer hands the session over").contains("\"connectionId\":\""
					+ client.connectionId() + "\"");

			// the request again, as a resuming node sends it when the answer does not come
			redis.command("PUBLISH", ownerChannel, request.get(2));
			Awaitility.await()
				.until(() -> monitor.seen(RedisMonitor.publish(resumingChannel, "H")).size() == 2);
			assertThat(monitor.seen(RedisMonitor.publish(resumingChannel, "H")))
				.as("the same answer again, not a refusal").containsExactly(answer, answer);
		}
		// the copy of the answer changed nothing: the session goes on where it resumed, once
		broadcast(11, 20);
		awaitMessages(client, 20);
		assertThat(payloads(client)).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).boxed().toList());
		assertThat(manager(0).connections()).hasSize(1);
		assertThat(manager(1).connections()).isEmpty();
	}

	@Test
	void aResumeWhileRedisIsAwayIsToldToTryAgainLaterAndResumesWithEveryFrameOnceRedisIsBack() {
		startNode(redis.port(), "pulse.cluster.node-timeout=10s");
		startNode(redis.port(), "pulse.cluster.node-timeout=10s");
		awaitNodesSeeEachOther();
		ResumingClient client = new ResumingClient(uri(1, "?room=lobby"), Map.of(), 16);
		broadcast(1, 10);
		awaitMessages(client, 10);
		client.transport().abort();
		Awaitility.await().until(() -> manager(1).suspendedCount() == 1);
		redis.stop();
		try {
			// the session is alive on node 2, which node 1 cannot ask: not a fresh session, but 1013
			TestClient attempt = connect(0, "?room=lobby&resume=" + client.token() + "&lastSeq=" + client.lastSeq(),
					Map.of());
			TestClient.Close close = attempt.awaitClose(Duration.ofSeconds(20));
			assertThat(close.code()).isEqualTo(1013);
			assertThat(close.reason()).isEqualTo("resume not possible now");
			assertThat(attempt.history()).as("no welcome: no fresh session").isEmpty();
			assertThat(manager(0).connection(client.connectionId())).isNull();
			assertThat(manager(1).suspendedCount()).isEqualTo(1);
		}
		finally {
			redis.start();
		}
		// Redis came back empty: the nodes register again and the owner writes the token's entry again
		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(manager(0).clusterBridge().status().available()).isTrue();
			assertThat(manager(1).clusterBridge().status().available()).isTrue();
			assertThat(manager(0).clusterBridge().status().nodes()).isEqualTo(2);
		});
		String tokenEntry = this.keyPrefix + "token:" + tokenKey(client.token());
		Awaitility.await().atMost(Duration.ofSeconds(30))
			.until(() -> redis.reply(2, "GET", tokenEntry).get(1).equals("node-2"));
		JsonNode first = client.resumeOrStartOver(uri(0, "?room=lobby"));
		assertThat(first.path("type").asText()).as("first frame, %s", first).isEqualTo("resumed");
		assertThat(first.path("missed").asLong()).isZero();
		broadcast(11, 20);
		awaitMessages(client, 20);
		assertThat(payloads(client)).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).boxed().toList());
	}

	@Test
	void theRetryIntervalIsAFifthOfTheNodeTimeoutBetween100MillisecondsAndASecond() {
		assertThat(LiveHandover.retryMillis(200)).isEqualTo(100);
		assertThat(LiveHandover.retryMillis(2000)).isEqualTo(400);
		assertThat(LiveHandover.retryMillis(30_000)).isEqualTo(1000);
	}

	private void broadcast(int from, int to) {
		for (int k = from; k <= to; k++) {
			manager(0).broadcast("lobby", "tick", k);
		}
	}

	/** A request as published, {@code R<epoch>|<global number>|<request>}, without the position. */
	private static String withoutPosition(String published) {
		return published.substring(published.indexOf('|', published.indexOf('|') + 1) + 1);
	}

	private long subscribers(String channel) {
		// *2, the channel (its length, then itself), then :<count>
		return Long.parseLong(redis.reply(4, "PUBSUB", "NUMSUB", channel).get(3).substring(1));
	}

	private static void awaitMessages(ResumingClient client, int count) {
		Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			client.pump();
			assertThat(client.messages()).hasSize(count);
		});
	}

	private static List<Integer> payloads(ResumingClient client) {
		return client.messages().stream().map((frame) -> frame.path("payload").asInt()).toList();
	}

}
