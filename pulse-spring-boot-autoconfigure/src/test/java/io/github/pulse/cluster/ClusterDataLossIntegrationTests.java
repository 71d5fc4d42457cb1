package io.github.pulse.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis losing its data (restarted empty; here {@code FLUSHALL}, which is the same for pulse without killing the
 * connections) right after it numbered broadcasts that a node's subscription had not received: their streams are
 * gone with it, so only their publisher can give them again. It does, and nobody gets one twice.
 */
class ClusterDataLossIntegrationTests extends ClusterNodesTestSupport {

	private static final int BROADCASTS = 10;

	@Test
	void broadcastsANodeHadNotReceivedWhenRedisLostItsDataReachItExactlyOnce() throws IOException {
		FaultInjectingProxy link = new FaultInjectingProxy(redis.port());
		this.proxies.add(link);
		startNode(redis.port(), "pulse.cluster.node-timeout=10s");
		startNode(link.port(), "pulse.cluster.node-timeout=10s");
		awaitNodesSeeEachOther();
		TestClient here = connect(0, "?room=lobby", Map.of());
		TestClient there = connect(1, "?room=lobby", Map.of());
		here.nextOfType("welcome");
		there.nextOfType("welcome");
		manager(0).broadcast("lobby", "tick", "0");
		assertThat(there.nextOfType("message").path("payload").asText()).isEqualTo("0");

		// node 2 hears nothing from Redis while node 1's broadcasts are numbered and published
		link.blackhole(true);
		for (int k = 1; k <= BROADCASTS; k++) {
			manager(0).broadcast("lobby", "tick", Integer.toString(k));
		}
		// Redis numbered them all (the room's stream holds them) and the publishing node's member got them
		Awaitility.await().atMost(Duration.ofSeconds(10))
			.until(() -> redis.command("XLEN", this.keyPrefix + "stream:lobby").equals(":" + (BROADCASTS + 1)));
		Awaitility.await().atMost(Duration.ofSeconds(10))
			.until(() -> here.history().stream().filter((frame) -> "message".equals(frame.path("type").asText())).count()
					== BROADCASTS + 1);
		here.pending().clear();
		assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
		link.blackhole(false);
		link.cutAll();

		Awaitility.await().atMost(Duration.ofSeconds(20))
			.until(() -> manager(1).clusterBridge().status().available() && manager(0).clusterBridge().status().available());
		manager(0).broadcast("lobby", "end", null);
		assertThat(payloadsUntilEnd(there)).as("the member on the node that missed them")
			.containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
		List<String> own = payloadsUntilEnd(here);
		assertThat(own).as("the member on the publishing node, which had them").isEmpty();
	}

	/** The payloads of the message frames not yet taken, until the end frame; checks seq and missed on the way. */
	private static List<String> payloadsUntilEnd(TestClient member) {
		List<String> payloads = new ArrayList<>();
		long[] seq = { -1 };
		boolean[] ended = { false };
		Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			JsonNode frame;
			while (!ended[0] && (frame = member.pending().poll()) != null) {
				if (!"message".equals(frame.path("type").asText())) {
					continue;
				}
				assertThat(frame.path("missed").asLong(0)).as("missed").isZero();
				if (seq[0] >= 0) {
					assertThat(frame.path("seq").asLong()).as("seq").isEqualTo(seq[0] + 1);
				}
				seq[0] = frame.path("seq").asLong();
				if ("end".equals(frame.path("event").asText())) {
					ended[0] = true;
				}
				else {
					payloads.add(frame.path("payload").asText());
				}
			}
			assertThat(ended[0]).as("the end frame arrived").isTrue();
		});
		return payloads;
	}

}
