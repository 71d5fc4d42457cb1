package io.github.pulse.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.PulseConnection;
import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.ResumingClient;
import io.github.pulse.test.TestClient;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume after the node holding the session died: three nodes on a real Redis server; the owner is cut from Redis
 * without draining (to the cluster, a crash), and its client resumes on another node.
 */
class ClusterDeathResumeIntegrationTests extends ClusterNodesTestSupport {

	private static final Map<String, String> ALICE = Map.of("X-User", "alice");

	@Test
	void aSessionWhoseNodeDiedResumesElsewhereWithItsIdentityRoomsSequenceAndTheBroadcastsItMissed() {
		startNodes(3, 1000);
		TestClient first = connect(2, "?id=alice-phone&room=lobby", ALICE);
		String token = first.nextOfType("welcome").path("resumeToken").asText();
		// a member of the same rooms on a live node: the order it receives is the order every node delivers in
		TestClient observer = connect(0, "?id=observer&room=lobby", Map.of());
		observer.nextOfType("welcome");
		observer.sendMessage("join", "\"second\"");
		Awaitility.await().until(() -> connection(0, "observer").rooms().contains("second"));
		first.sendMessage("join", "\"second\"");
		Awaitility.await().until(() -> connection(2, "alice-phone").rooms().contains("second"));
		connection(2, "alice-phone").attributes().put("score", 42L);
		manager(0).broadcast("lobby", "before", 1);
		assertThat(first.nextOfType("message").path("seq").asLong()).isEqualTo(1);
		assertThat(manager(2).send("alice-phone", "direct", 2)).isTrue();
		assertThat(first.nextOfType("message").path("seq").asLong()).isEqualTo(2);
		manager(1).broadcast("second", "before", 3);
		assertThat(first.nextOfType("message").path("seq").asLong()).isEqualTo(3);
		// the owner's heartbeat wrote the session's snapshot with everything it sent
		Awaitility.await().until(() -> snapshotSeq(token) == 3);
		// received after that snapshot, and perhaps in the next one: the outcome must not depend on it
		manager(1).broadcast("lobby", "tail", 4);
		manager(1).broadcast("second", "tail", 5);
		assertThat(first.nextOfType("message").path("seq").asLong()).isEqualTo(4);
		assertThat(first.nextOfType("message").path("seq").asLong()).isEqualTo(5);
		killNode(2);
		first.abort();
		// a send that still went to the dead node: counted, its content lost with the node
		assertThat(manager(0).send("alice-phone", "lost", 0)).isTrue();
		awaitDeathSeen();
		// from two nodes at once: no order between them but the one Redis gives
		for (int i = 1; i <= 10; i++) {
			manager(i % 2).broadcast((i % 3 == 0) ? "second" : "lobby", "meanwhile", i);
		}
		List<Integer> meanwhile = new ArrayList<>();
		while (meanwhile.size() < 10) {
			JsonNode seen = observer.nextOfType("message");
			if ("meanwhile".equals(seen.path("event").asText())) {
				meanwhile.add(seen.path("payload").asInt());
			}
		}
		manager(0).broadcast("elsewhere", "not-for-alice", 99);
		TestClient resumed = connect(1, "?id=alice-phone&room=lobby&resume=" + token + "&lastSeq=5", ALICE);
		JsonNode frame = resumed.next();
		assertThat(frame.path("type").asText()).isEqualTo("resumed");
		assertThat(frame.path("connectionId").asText()).isEqualTo("alice-phone");
		assertThat(frame.path("replayed").asInt()).isEqualTo(10);
		assertThat(frame.path("missed").asInt()).isEqualTo(1);
		assertThat(frame.path("resumeToken").asText()).hasSize(43).isNotEqualTo(token);
		List<Integer> replayed = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			JsonNode message = resumed.nextOfType("message");
			// seq 6 is the lost send, reported in missed
			assertThat(message.path("seq").asLong()).isEqualTo(7 + i);
			assertThat(message.path("event").asText()).isEqualTo("meanwhile");
			replayed.add(message.path("payload").asInt());
		}
		assertThat(replayed).isEqualTo(meanwhile);
		PulseConnection adopted = connection(1, "alice-phone");
		assertThat(adopted.principal().getName()).isEqualTo("alice");
		assertThat(adopted.rooms()).containsExactlyInAnyOrder("lobby", "second");
		assertThat(adopted.attributes()).containsEntry("score", 42L);
		Awaitility.await().until(() -> listener(1).events.contains("restore:alice-phone"));
		assertThat(listener(1).events).noneMatch((event) -> event.startsWith("connect:alice-phone"));
		// live frames, broadcasts and sends by id, carry on from the new node
		manager(0).broadcast("second", "after", 11);
		JsonNode after = resumed.nextOfType("message");
		assertThat(after.path("payload").asInt()).isEqualTo(11);
		assertThat(after.path("seq").asLong()).isEqualTo(17);
		Awaitility.await().until(() -> manager(0).send("alice-phone", "direct-after", 12));
		assertThat(resumed.nextOfType("message").path("seq").asLong()).isEqualTo(18);
		MeterRegistry meters = this.nodes.get(1).getBean(MeterRegistry.class);
		assertThat(meters.get("pulse.cluster.takeovers").functionCounter().count()).isEqualTo(1);
		assertThat(meters.get("pulse.cluster.takeover.recovered").functionCounter().count()).isEqualTo(10);
		assertThat(meters.get("pulse.cluster.takeover.missed").functionCounter().count()).isEqualTo(1);
	}

	@Test
	void broadcastsBeyondTheStreamRetentionAreReportedExactlyInMissedAndTheRestReplayedInOrder() {
		startNodes(3, 10);
		ResumingClient client = new ResumingClient(uri(2, "?id=bob&room=lobby"), Map.of("X-User", "bob"), 1000);
		manager(0).broadcast("lobby", "before", 0);
		Awaitility.await().untilAsserted(() -> {
			client.pump();
			assertThat(client.lastSeq()).isEqualTo(1);
		});
		Awaitility.await().until(() -> snapshotSeq(client.token()) == 1);
		killNode(2);
		this.nodes.get(2).close();
		awaitDeathSeen();
		int sent = 400;
		// one publisher: the global order is the payload order
		for (int i = 1; i <= sent; i++) {
			manager(1).broadcast("lobby", "meanwhile", i);
		}
		// broadcast() returns before Redis numbers the broadcast: a resume before the last one is numbered would
		// get the rest live, not in replayed + missed
		StringRedisTemplate template = new StringRedisTemplate(
				this.nodes.get(0).getBean(LettuceConnectionFactory.class));
		Awaitility.await().until(() -> String.valueOf(1 + sent).equals(template.opsForValue().get(this.keyPrefix + "gseq")));
		JsonNode resumed = client.resume(uri(0, "?id=bob&room=lobby"));
		long replayed = resumed.path("replayed").asLong();
		long missed = resumed.path("missed").asLong();
		// the stream keeps about 10 (trimmed by whole blocks, so up to a block more), never all 400
		assertThat(missed).isPositive();
		assertThat(replayed).isGreaterThanOrEqualTo(10);
		assertThat(replayed + missed).isEqualTo(sent);
		Awaitility.await().untilAsserted(() -> {
			client.pump();
			assertThat(client.messages()).hasSize(1 + (int) replayed);
		});
		// exactly the newest broadcasts, in order, numbered after the missed ones (the client checks the numbering)
		List<Integer> payloads = client.messages()
			.stream()
			.skip(1)
			.map((message) -> message.path("payload").asInt())
			.toList();
		for (int i = 0; i < payloads.size(); i++) {
			assertThat(payloads.get(i)).isEqualTo(sent - (int) replayed + 1 + i);
		}
		assertThat(client.lastSeq()).isEqualTo(1 + sent);
	}

	@Test
	void aForgedAMismatchedAnImpossibleOrAUsedTokenOfADeadNodeGetsAFreshSessionAndLeavesTheSnapshotToItsOwner() {
		startNodes(3, 1000);
		TestClient first = connect(2, "?id=alice-phone&room=lobby", ALICE);
		String token = first.nextOfType("welcome").path("resumeToken").asText();
		Awaitility.await().until(() -> snapshotSeq(token) == 0);
		killNode(2);
		first.abort();
		awaitDeathSeen();
		String resume = "&resume=" + token + "&lastSeq=0";
		String forged = token.substring(0, 22) + ((token.charAt(22) == 'A') ? "B" : "A") + token.substring(23);
		TestClient forger = connect(0, "?id=alice-phone&room=lobby&resume=" + forged + "&lastSeq=0", ALICE);
		assertThat(forger.next().path("resumeFailed").asText()).isEqualTo("unknown");
		TestClient mallory = connect(1, "?room=lobby" + resume, Map.of("X-User", "mallory"));
		assertThat(mallory.next().path("resumeFailed").asText()).isEqualTo("unknown");
		TestClient otherId = connect(0, "?id=alice-laptop&room=lobby" + resume, ALICE);
		assertThat(otherId.next().path("resumeFailed").asText()).isEqualTo("unknown");
		TestClient ahead = connect(1, "?id=alice-phone&room=lobby&resume=" + token + "&lastSeq=1", ALICE);
		assertThat(ahead.next().path("resumeFailed").asText()).isEqualTo("unknown");
		forger.abort();
		otherId.abort();
		ahead.abort();
		// none of them used the token up
		TestClient owner = connect(0, "?id=alice-phone&room=lobby" + resume, ALICE);
		JsonNode resumed = owner.next();
		assertThat(resumed.path("type").asText()).isEqualTo("resumed");
		assertThat(resumed.path("missed").asInt()).isZero();
		TestClient replay = connect(1, "?id=alice-phone&room=lobby" + resume, ALICE);
		assertThat(replay.next().path("resumeFailed").asText()).isEqualTo("unknown");
		assertThat(connection(0, "alice-phone").principal().getName()).isEqualTo("alice");
	}

	@Test
	void aNodeCutOffThatComesBackEndsItsCopyOfASessionResumedElsewhere() throws IOException {
		FaultInjectingProxy redisLink = new FaultInjectingProxy(redis.port());
		this.proxies.add(redisLink);
		startNodes(3, 1000, Map.of(2, redisLink.port()));
		Map<String, String> carol = Map.of("X-User", "carol");
		TestClient first = connect(2, "?id=carol&room=lobby", carol);
		String token = first.nextOfType("welcome").path("resumeToken").asText();
		Awaitility.await().until(() -> snapshotSeq(token) == 0);
		// a partition, not a crash: the node goes on serving its socket, but the cluster takes it for dead
		redisLink.blackhole(true);
		redisLink.cutAll();
		awaitDeathSeen();
		TestClient resumed = connect(0, "?id=carol&room=lobby&resume=" + token + "&lastSeq=0", carol);
		assertThat(resumed.next().path("type").asText()).isEqualTo("resumed");
		redisLink.blackhole(false);
		redisLink.cutAll();
		// back in touch, the node learns that the session lives elsewhere now and ends its copy
		assertThat(first.awaitClose(Duration.ofSeconds(30)).code()).isEqualTo(4001);
		assertThat(manager(2).connection("carol")).isNull();
		Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> manager(2).send("carol", "direct", 1));
		assertThat(resumed.nextOfType("message").path("event").asText()).isEqualTo("direct");
		assertThat(manager(0).connection("carol")).isNotNull();
	}

	@Test
	void aRoomJoinedJustBeforeTheCrashIsReportedNotReplayedUntilASnapshotHasItExactly() throws Exception {
		startNodes(3, 1000);
		Map<String, String> dave = Map.of("X-User", "dave");
		TestClient first = connect(2, "?id=dave&room=lobby", dave);
		String token = first.nextOfType("welcome").path("resumeToken").asText();
		Awaitility.await().until(() -> snapshotSeq(token) == 0);
		first.sendMessage("join", "\"late\"");
		Awaitility.await().until(() -> connection(2, "dave").rooms().contains("late"));
		killNode(2);
		first.abort();
		// written before the join took effect, with the room marked uncertain, unless a heartbeat came in between
		String mark = snapshot(token).path("rooms").path("late").asText();
		boolean uncertain = mark.startsWith("?");
		awaitDeathSeen();
		for (int i = 1; i <= 3; i++) {
			manager(0).broadcast("late", "late", i);
		}
		manager(0).broadcast("lobby", "lobby", 4);
		manager(0).broadcast("lobby", "lobby", 5);
		TestClient resumed = connect(1, "?id=dave&room=lobby&resume=" + token + "&lastSeq=0", dave);
		JsonNode frame = resumed.next();
		assertThat(frame.path("type").asText()).isEqualTo("resumed");
		// the uncertain room's broadcasts may or may not have reached the session: counted, never replayed
		assertThat(frame.path("replayed").asInt()).isEqualTo(uncertain ? 2 : 5);
		assertThat(frame.path("missed").asInt()).isEqualTo(uncertain ? 3 : 0);
		List<Integer> payloads = new ArrayList<>();
		for (int i = 0; i < frame.path("replayed").asInt(); i++) {
			JsonNode message = resumed.nextOfType("message");
			assertThat(message.path("seq").asLong()).isEqualTo((uncertain ? 4 : 1) + i);
			payloads.add(message.path("payload").asInt());
		}
		assertThat(payloads).isEqualTo(uncertain ? List.of(4, 5) : List.of(1, 2, 3, 4, 5));
		assertThat(connection(1, "dave").rooms()).containsExactlyInAnyOrder("lobby", "late");
		manager(0).broadcast("late", "live", 6);
		assertThat(resumed.nextOfType("message").path("seq").asLong()).isEqualTo(6);
	}

	// ---- helpers

	private void startNodes(int count, int retention) {
		startNodes(count, retention, Map.of());
	}

	private void startNodes(int count, int retention, Map<Integer, Integer> redisPorts) {
		for (int i = 0; i < count; i++) {
			startNode(redisPorts.getOrDefault(i, redis.port()), "pulse.cluster.node-timeout=2s",
					"pulse.cluster.stream-retention=" + retention);
		}
		awaitNodesSeeEachOther();
	}

	/** Waits until the surviving nodes no longer count the dead one as live. */
	private void awaitDeathSeen() {
		Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			assertThat(manager(0).clusterBridge().status().nodes()).isEqualTo(2);
			assertThat(manager(1).clusterBridge().status().nodes()).isEqualTo(2);
		});
	}

}
