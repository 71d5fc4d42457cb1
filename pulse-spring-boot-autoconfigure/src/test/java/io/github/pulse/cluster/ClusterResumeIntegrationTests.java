package io.github.pulse.cluster;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import tools.jackson.databind.JsonNode;
import io.github.pulse.PulseConnection;
import io.github.pulse.core.SessionManager;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.ResumingClient;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume on another node while the original node is alive: three nodes on a real Redis server, clients behind
 * fault-injecting proxies, moved from node to node as a load balancer would. Resume after the node died:
 * {@link ClusterDeathResumeIntegrationTests}.
 */
class ClusterResumeIntegrationTests extends ClusterNodesTestSupport {

	@Test
	void clientsMovedBetweenNodesDuringContinuousBroadcastGetEveryFrameExactlyOnceInOrder() throws Exception {
		startNodes(3);
		List<ResumingClient> movers = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			movers.add(new ResumingClient(viaProxy(i % 3, "?room=storm"), Map.of(), 16));
		}
		int[] at = { 0, 1, 2, 0, 1, 2 };
		Awaitility.await().until(() -> manager(0).connections().size() == 2 && manager(2).connections().size() == 2);
		AtomicBoolean broadcasting = new AtomicBoolean(true);
		AtomicInteger sent = new AtomicInteger();
		// every node publishes in turn: the owner's own broadcasts, the new node's own and a third party's
		Thread broadcaster = new Thread(() -> {
			while (broadcasting.get()) {
				int n = sent.incrementAndGet();
				manager(n % 3).broadcast("storm", "tick", n);
				LockSupport.parkNanos(1_000_000);
			}
		});
		broadcaster.start();
		try {
			for (int cycle = 0; cycle < 60; cycle++) {
				int index = cycle % movers.size();
				ResumingClient mover = movers.get(index);
				movers.forEach(ResumingClient::pump);
				int source = at[index];
				boolean cut = cycle % 2 == 0;
				if (cut) {
					// the network drops every connection of a node: it may or may not have noticed yet
					this.proxies.get(source).cutAll();
				}
				int target = (source + 1 + cycle % 2) % 3;
				JsonNode resumed = mover.resume(viaProxy(target, "?room=storm"));
				assertThat(resumed.path("missed").asLong()).isZero();
				at[index] = target;
				// the other clients of the cut node come back where they were
				for (int other = 0; other < movers.size(); other++) {
					if (cut && other != index && at[other] == source) {
						assertThat(movers.get(other).resume(viaProxy(source, "?room=storm")).path("missed").asLong())
							.isZero();
					}
				}
			}
		}
		finally {
			broadcasting.set(false);
			broadcaster.join();
		}
		int total = sent.get();
		for (ResumingClient mover : movers) {
			Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				mover.pump();
				assertThat(mover.messages()).hasSize(total);
			});
			assertThat(mover.missed()).isZero();
			List<Integer> payloads = mover.messages().stream().map((frame) -> frame.path("payload").asInt()).toList();
			assertThat(new HashSet<>(payloads)).hasSize(total);
			// each publisher's broadcasts arrive in the order it sent them
			Map<Integer, Integer> lastByPublisher = new HashMap<>();
			for (int payload : payloads) {
				Integer previous = lastByPublisher.put(payload % 3, payload);
				assertThat(previous == null || previous < payload).as("publisher order at %d", payload).isTrue();
			}
		}
		assertThat(movers.stream().mapToInt(ResumingClient::resumes).sum()).isGreaterThanOrEqualTo(60);
		movers.forEach(ResumingClient::close);
		Awaitility.await()
			.untilAsserted(() -> assertThat(this.nodes.stream()
				.mapToInt((node) -> node.getBean(SessionManager.class).connections().size())
				.sum()).isZero());
	}

	@Test
	void numberedClientMessagesAreHandledOnceAcrossAHandOver() {
		startNodes(2);
		TestClient first = connect(0, "?id=counter", Map.of());
		JsonNode welcome = first.nextOfType("welcome");
		for (int cseq = 1; cseq <= 5; cseq++) {
			first.send("{\"type\":\"message\",\"cseq\":" + cseq + ",\"event\":\"count\",\"payload\":" + cseq + "}");
		}
		Awaitility.await()
			.untilAsserted(() -> assertThat(listener(0).counted.get("counter")).containsExactly(1, 2, 3, 4, 5));
		// the client moves before any ack covered 4 and 5: it sends again what resumed says was not processed
		TestClient moved = connect(1, "?id=counter&resume=" + welcome.path("resumeToken").asText() + "&lastSeq=0",
				Map.of());
		JsonNode resumed = moved.nextOfType("resumed");
		assertThat(resumed.path("cseq").isNumber()).as("resumed names the old node's cseq: %s", resumed).isTrue();
		assertThat(resumed.path("cseq").asLong()).isEqualTo(5);
		for (int cseq = 4; cseq <= 7; cseq++) {
			moved.send("{\"type\":\"message\",\"cseq\":" + cseq + ",\"event\":\"count\",\"payload\":" + cseq + "}");
		}
		// a message out of order after the hand-over is still a protocol error, as on one node
		Awaitility.await().untilAsserted(() -> assertThat(listener(1).counted.get("counter")).containsExactly(6, 7));
		moved.send("{\"type\":\"message\",\"cseq\":9,\"event\":\"count\",\"payload\":9}");
		assertThat(moved.awaitClose().code()).isEqualTo(1007);
		assertThat(listener(0).counted.get("counter")).containsExactly(1, 2, 3, 4, 5);
		assertThat(listener(1).counted.get("counter")).containsExactly(6, 7);
	}

	@Test
	void numberedMessagesInFlightDuringHandOversAreEachHandledOnceAndInOrder() {
		startNodes(2);
		TestClient client = connect(0, "?id=counter", Map.of());
		String token = client.nextOfType("welcome").path("resumeToken").asText();
		int sent = 0;
		int node = 0;
		for (int round = 0; round < 30; round++) {
			// a burst still being handled on the old node while the new one asks for the session
			for (int i = 0; i < 40; i++) {
				sent++;
				client.send(numbered(sent));
			}
			node = 1 - node;
			TestClient moved = connect(node, "?id=counter&resume=" + token + "&lastSeq=0", Map.of());
			JsonNode resumed = moved.nextOfType("resumed");
			token = resumed.path("resumeToken").asText();
			long processed = resumed.path("cseq").asLong(-1);
			assertThat(processed).as("round %d: %s", round, resumed).isBetween(0L, (long) sent);
			// what the old node did not process is sent again, as a client does
			for (long cseq = processed + 1; cseq <= sent; cseq++) {
				moved.send(numbered(cseq));
			}
			client.abort();
			client = moved;
		}
		int total = sent;
		Awaitility.await().untilAsserted(() -> assertThat(counted(0).size() + counted(1).size()).isEqualTo(total));
		List<Integer> all = new ArrayList<>(counted(0));
		all.addAll(counted(1));
		assertThat(new HashSet<>(all)).as("each message once").hasSize(total);
		for (int i = 0; i < 2; i++) {
			assertThat(counted(i)).as("node %d handled them in order", i).isSorted();
		}
	}

	private List<Integer> counted(int node) {
		return listener(node).counted.getOrDefault("counter", List.of());
	}

	private static String numbered(long cseq) {
		return "{\"type\":\"message\",\"cseq\":" + cseq + ",\"event\":\"count\",\"payload\":" + cseq + "}";
	}

	@Test
	void theSessionMovesWithItsIdentityRoomsAttributesAndUnacknowledgedFrames() {
		startNodes(3);
		Map<String, String> alice = Map.of("X-User", "alice");
		TestClient first = connect(0, "?id=alice-phone&room=lobby", alice);
		JsonNode welcome = first.nextOfType("welcome");
		first.sendMessage("join", "\"second\"");
		Awaitility.await().until(() -> connection(0, "alice-phone").rooms().contains("second"));
		PulseConnection original = connection(0, "alice-phone");
		original.attributes().put("score", 42L);
		original.attributes().put("device", "phone");
		original.attributes().put("handle", new Object());
		manager(2).broadcast("second", "before", 1);
		assertThat(first.nextOfType("message").path("seq").asLong()).isEqualTo(1);
		manager(0).send("alice-phone", "unacknowledged", 2);
		assertThat(first.nextOfType("message").path("seq").asLong()).isEqualTo(2);
		// the load balancer sends the client elsewhere while its old connection still looks alive
		TestClient moved = connect(1,
				"?id=alice-phone&resume=" + welcome.path("resumeToken").asText() + "&lastSeq=1", alice);
		JsonNode resumed = moved.next();
		assertThat(resumed.path("type").asText()).isEqualTo("resumed");
		assertThat(resumed.path("connectionId").asText()).isEqualTo("alice-phone");
		assertThat(resumed.path("replayed").asInt()).isEqualTo(1);
		assertThat(resumed.path("missed").asInt()).isZero();
		assertThat(resumed.path("resumeToken").asText()).hasSize(43)
			.isNotEqualTo(welcome.path("resumeToken").asText());
		JsonNode replayed = moved.next();
		assertThat(replayed.path("seq").asLong()).isEqualTo(2);
		assertThat(replayed.path("event").asText()).isEqualTo("unacknowledged");
		assertThat(first.awaitClose().code()).isEqualTo(4001);
		PulseConnection adopted = connection(1, "alice-phone");
		assertThat(adopted.principal().getName()).isEqualTo("alice");
		assertThat(adopted.rooms()).containsExactlyInAnyOrder("lobby", "second");
		assertThat(adopted.attributes()).containsEntry("score", 42L)
			.containsEntry("device", "phone")
			.doesNotContainKey("handle");
		assertThat(manager(0).connection("alice-phone")).isNull();
		assertThat(manager(0).connectionCount()).isZero();
		Awaitility.await().until(() -> listener(0).events.contains("drop:alice-phone:TRANSPORT_ERROR"));
		Awaitility.await().until(() -> listener(1).events.contains("restore:alice-phone"));
		assertThat(listener(0).events).noneMatch((event) -> event.startsWith("disconnect:alice-phone"));
		assertThat(listener(1).events).noneMatch((event) -> event.startsWith("connect:alice-phone"));
		// rooms, sequence numbers and send by id carry on from the new node
		manager(2).broadcast("second", "after", 3);
		JsonNode after = moved.nextOfType("message");
		assertThat(after.path("event").asText()).isEqualTo("after");
		assertThat(after.path("seq").asLong()).isEqualTo(3);
		Awaitility.await().until(() -> manager(2).send("alice-phone", "direct", 4));
		assertThat(moved.nextOfType("message").path("seq").asLong()).isEqualTo(4);
		// a send that reached the old node through a stale directory entry follows the session (a direct send as
		// send.lua publishes it, counter 0: not counted)
		StringRedisTemplate redisTemplate = new StringRedisTemplate(
				this.nodes.get(2).getBean(LettuceConnectionFactory.class));
		redisTemplate.convertAndSend(this.keyPrefix + "node:node-1",
				"C0:11:alice-phone,\"event\":\"stale-route\",\"payload\":5}");
		JsonNode forwarded = moved.nextOfType("message");
		assertThat(forwarded.path("event").asText()).isEqualTo("stale-route");
		assertThat(forwarded.path("seq").asLong()).isEqualTo(5);
		Awaitility.await().until(() -> manager(0).kick("alice-phone"));
		assertThat(moved.awaitClose().code()).isEqualTo(4000);
	}

	@Test
	void aMismatchedIdentityAnUnknownTokenOrAUsedTokenGetsAFreshSessionTellingUnknown() {
		startNodes(3);
		Map<String, String> alice = Map.of("X-User", "alice");
		TestClient first = connect(0, "?id=alice-phone&room=lobby", alice);
		String token = first.nextOfType("welcome").path("resumeToken").asText();
		first.abort();
		Awaitility.await().until(() -> manager(0).suspendedCount() == 1);
		String resume = "&resume=" + token + "&lastSeq=0";
		TestClient mallory = connect(1, "?room=lobby" + resume, Map.of("X-User", "mallory"));
		assertThat(mallory.next().path("resumeFailed").asText()).isEqualTo("unknown");
		TestClient otherId = connect(1, "?id=alice-laptop&room=lobby" + resume, alice);
		assertThat(otherId.next().path("resumeFailed").asText()).isEqualTo("unknown");
		TestClient ahead = connect(2, "?id=alice-phone&room=lobby&resume=" + token + "&lastSeq=5", alice);
		assertThat(ahead.next().path("resumeFailed").asText()).isEqualTo("unknown");
		String forged = token.substring(0, 22) + "A".repeat(21);
		TestClient forger = connect(1, "?room=lobby&resume=" + forged + "&lastSeq=0", alice);
		assertThat(forger.next().path("resumeFailed").asText()).isEqualTo("unknown");
		TestClient stranger = connect(2, "?room=lobby&resume=" + "B".repeat(43) + "&lastSeq=0", Map.of());
		assertThat(stranger.next().path("resumeFailed").asText()).isEqualTo("unknown");
		// the refusals left the session where it was, still resumable, by its owner only
		assertThat(manager(0).suspendedCount()).isEqualTo(1);
		TestClient back = connect(2, "?id=alice-phone&room=lobby" + resume, alice);
		assertThat(back.next().path("type").asText()).isEqualTo("resumed");
		TestClient replay = connect(1, "?id=alice-phone&room=lobby" + resume, alice);
		assertThat(replay.next().path("resumeFailed").asText()).isEqualTo("unknown");
		assertThat(manager(0).suspendedCount()).isZero();
		assertThat(manager(0).connection("alice-phone")).isNull();
	}

	@Test
	void anOwnerThatHasNotSeenBroadcastsTheResumingNodeDeliveredCatchesUpOnThemBeforeItHandsTheSessionOver() {
		// the owner's heartbeat, which would find what its subscription missed, comes rarely
		startNode(redis.port(), "pulse.cluster.node-timeout=60s");
		startNode(redis.port(), "pulse.cluster.node-timeout=60s", "pulse.cluster.heartbeat-interval=20s");
		awaitNodesSeeEachOther();
		ResumingClient client = new ResumingClient(uri(1, "?room=lobby"), Map.of(), 16);
		TestClient watcher = connect(0, "?room=lobby", Map.of());
		watcher.nextOfType("welcome");
		for (int k = 1; k <= 10; k++) {
			manager(0).broadcast("lobby", "tick", k);
		}
		awaitPayload(client, 10);
		// ten broadcasts Redis numbered and kept in the room's stream whose messages reached no subscription, as
		// when the subscriptions were cut: the resuming node's heartbeat finds them and delivers them, the owner
		// has not noticed yet
		ClusterKeys keys = new ClusterKeys(this.keyPrefix);
		StringRedisTemplate redisTemplate = new StringRedisTemplate(
				this.nodes.get(0).getBean(LettuceConnectionFactory.class));
		String body = redisTemplate.opsForStream()
			.reverseRange(keys.stream("lobby"), org.springframework.data.domain.Range.unbounded())
			.get(0)
			.getValue()
			.get("b")
			.toString();
		String epoch = redisTemplate.opsForValue().get(keys.epoch());
		for (int k = 11; k <= 20; k++) {
			Long g = redisTemplate.execute(
					org.springframework.data.redis.core.script.RedisScript.of(ClusterScripts.BROADCAST, Long.class),
					List.of(keys.globalSeq(), keys.roomSeq("lobby"), keys.stream("lobby"), this.keyPrefix + "nowhere",
							keys.epoch(), keys.published("node-9")),
					"1000", "60000", "unused", "lobby", body.replace("\"payload\":10", "\"payload\":" + k), "node-9",
					Long.toString(k), epoch);
			assertThat(g).as("numbered").isPositive();
		}
		for (int k = 1; k <= 20; k++) {
			assertThat(watcher.nextOfType("message").path("payload").asInt()).isEqualTo(k);
		}

		JsonNode first = client.resumeOrStartOver(uri(0, "?room=lobby"));
		assertThat(first.path("type").asText()).as("first frame, %s", first).isEqualTo("resumed");
		assertThat(first.path("missed").asLong()).isZero();
		for (int k = 21; k <= 30; k++) {
			manager(0).broadcast("lobby", "tick", k);
		}
		awaitPayload(client, 30);
		assertThat(client.messages().stream().map((frame) -> frame.path("payload").asInt()).toList())
			.as("exactly once, in order, none lost without a count")
			.containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 30).boxed().toList());
	}

	@Test
	void aBroadcastOfTheResumingNodeThatReachedTheSessionOnItsOwnerAndReachedItsMembersDirectlyComesOnce()
			throws Exception {
		for (int i = 0; i < 2; i++) {
			// own broadcasts reach the node's members directly after a second; the command timeout outlasts Redis's
			// pause
			startNode(redis.port(), "pulse.cluster.node-timeout=20s", "test.redis.timeout=10s",
					"pulse.cluster.local-delivery-timeout=1s");
		}
		awaitNodesSeeEachOther();
		ResumingClient client = new ResumingClient(uri(1, "?room=lobby"), Map.of(), 16);
		TestClient watcher = connect(0, "?room=lobby", Map.of());
		watcher.nextOfType("welcome");
		for (int k = 1; k <= 5; k++) {
			manager(0).broadcast("lobby", "tick", k);
		}
		awaitPayload(client, 5);
		for (int k = 1; k <= 5; k++) {
			assertThat(watcher.nextOfType("message").path("payload").asInt()).isEqualTo(k);
		}

		// Redis takes no writes for a while (reads go on): the resuming node's broadcast, then its request, wait in
		// that order; the broadcast reaches the node's members directly meanwhile, and the owner gets it before the
		// request
		assertThat(redis.command("CLIENT", "PAUSE", "4000", "WRITE")).isEqualTo("+OK");
		manager(0).broadcast("lobby", "tick", 6);
		CompletableFuture<JsonNode> resumed = CompletableFuture
			.supplyAsync(() -> client.resumeOrStartOver(uri(0, "?room=lobby")));
		assertThat(watcher.nextOfType("message").path("payload").asInt()).as("delivered directly").isEqualTo(6);
		assertThat(this.nodes.get(0).getBean(RedisClusterBridge.class).directDeliveries()).isEqualTo(1);
		JsonNode first = resumed.get(30, TimeUnit.SECONDS);
		assertThat(first.path("type").asText()).as("first frame, %s", first).isEqualTo("resumed");
		for (int k = 7; k <= 10; k++) {
			manager(0).broadcast("lobby", "tick", k);
		}
		awaitPayload(client, 10);
		assertThat(client.messages().stream().map((frame) -> frame.path("payload").asInt()).toList())
			.as("exactly once, in order")
			.containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 10).boxed().toList());
	}

	private static void awaitPayload(ResumingClient client, int payload) {
		Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
			client.pump();
			List<JsonNode> messages = client.messages();
			return !messages.isEmpty() && messages.get(messages.size() - 1).path("payload").asInt() == payload;
		});
	}

	// ---- helpers

	private void startNodes(int count) {
		for (int i = 0; i < count; i++) {
			startNode(redis.port(), "pulse.cluster.node-timeout=5s");
			try {
				this.proxies.add(new FaultInjectingProxy(port(i)));
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}
		awaitNodesSeeEachOther();
	}

	private URI viaProxy(int node, String query) {
		return URI.create("ws://localhost:" + this.proxies.get(node).port() + "/pulse" + query);
	}

}
