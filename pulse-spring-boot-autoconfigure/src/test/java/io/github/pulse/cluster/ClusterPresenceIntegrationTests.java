package io.github.pulse.cluster;

import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence across three nodes on a real Redis: the view and the events are cluster-wide (first join and last leave
 * of a user whose connections are on different nodes), a node that starts learns the others' presence, and a node
 * that dies takes its users' presence with it within the node timeout.
 */
class ClusterPresenceIntegrationTests extends ClusterNodesTestSupport {

	private static final String[] PRESENCE = { "pulse.cluster.node-timeout=2s", "pulse.rooms.client-join=chat-*",
			"pulse.rooms.presence=chat-*" };

	private void startNodes(int count) {
		startNodes(count, PRESENCE);
	}

	@Test
	void aUsersFirstConnectionAndItsLastAreToldOnEveryNodeWhereverTheyAre() {
		startNodes(3);
		TestClient watcher = connectUser(0, "wendy");
		join(watcher, "chat-c");
		awaitView(2, "chat-c", Map.of("wendy", 1));
		TestClient bobHere = connectUser(1, "bob");
		assertThat(view(join(bobHere, "chat-c"))).containsExactlyInAnyOrderEntriesOf(Map.of("wendy", 1, "bob", 1));
		assertThat(nextPresence(watcher)).isEqualTo("joined bob");
		awaitView(2, "chat-c", Map.of("wendy", 1, "bob", 1));
		// bob's second connection, on a third node: its answer counts both, and it is no news to anyone
		TestClient bobThere = connectUser(2, "bob");
		assertThat(view(join(bobThere, "chat-c"))).containsExactlyInAnyOrderEntriesOf(Map.of("wendy", 1, "bob", 2));
		awaitView(0, "chat-c", Map.of("wendy", 1, "bob", 2));
		awaitView(1, "chat-c", Map.of("wendy", 1, "bob", 2));
		bobHere.send("{\"type\":\"leave\",\"room\":\"chat-c\",\"ref\":\"l\"}");
		bobHere.nextOfType("left");
		awaitView(0, "chat-c", Map.of("wendy", 1, "bob", 1));
		// the next event the watcher gets is carol's: bob's second join and first leave gave none
		TestClient carol = connectUser(1, "carol");
		join(carol, "chat-c");
		assertThat(nextPresence(watcher)).isEqualTo("joined carol");
		bobThere.close();
		assertThat(nextPresence(watcher)).isEqualTo("left bob");
		assertThat(nextPresence(carol)).isEqualTo("left bob");
		for (int node = 0; node < 3; node++) {
			awaitView(node, "chat-c", Map.of("wendy", 1, "carol", 1));
		}
	}

	@Test
	void aNodeThatStartsLearnsThePresenceOfTheOthers() {
		startNodes(2);
		join(connectUser(0, "alice"), "chat-late");
		join(connectUser(1, "bob"), "chat-late");
		awaitView(0, "chat-late", Map.of("alice", 1, "bob", 1));
		startNode(redis.port(), PRESENCE);
		awaitNodesSeeEachOther();
		awaitView(2, "chat-late", Map.of("alice", 1, "bob", 1));
		TestClient carol = connectUser(2, "carol");
		assertThat(view(join(carol, "chat-late"))).containsExactlyInAnyOrderEntriesOf(
				Map.of("alice", 1, "bob", 1, "carol", 1));
	}

	@Test
	void aSessionThatResumesOnAnotherNodeDoesNotLeaveAndArriveAgain() {
		startNodes(3);
		TestClient watcher = connectUser(0, "wendy");
		join(watcher, "chat-move");
		TestClient alice = connectUser(1, "alice");
		String token = alice.history().get(0).path("resumeToken").asText();
		join(alice, "chat-move");
		assertThat(nextPresence(watcher)).isEqualTo("joined alice");
		awaitView(2, "chat-move", Map.of("wendy", 1, "alice", 1));
		alice.abort();
		// a live hand-over from node 2 to node 3
		TestClient moved = connect(2, "?room=lobby&resume=" + token + "&lastSeq=1", Map.of("X-User", "alice"));
		assertThat(moved.next().path("type").asText()).isEqualTo("resumed");
		for (int node = 0; node < 3; node++) {
			awaitView(node, "chat-move", Map.of("wendy", 1, "alice", 1));
		}
		// the next event the watcher gets is carol's: alice's move gave none
		join(connectUser(1, "carol"), "chat-move");
		assertThat(nextPresence(watcher)).isEqualTo("joined carol");
		moved.close();
		assertThat(nextPresence(watcher)).isEqualTo("left alice");
	}

	/**
	 * Presence frames are no broadcasts of the room's streams: each is counted like a direct send, so that a member
	 * whose node died, and that got some after its last snapshot, still resumes elsewhere (not refused for
	 * claiming more frames than the session can have had).
	 */
	@Test
	void aMemberWhoseNodeDiedAfterPresenceFramesResumesOnAnotherNode() throws Exception {
		startNodes(3);
		TestClient alice = connectUser(2, "alice");
		String token = alice.history().get(0).path("resumeToken").asText();
		join(alice, "chat-d");
		join(connectUser(0, "bob"), "chat-d");
		assertThat(nextPresence(alice)).isEqualTo("joined bob");
		Awaitility.await().until(() -> snapshotSeq(token) == 2);
		// after that snapshot
		join(connectUser(1, "carol"), "chat-d");
		assertThat(nextPresence(alice)).isEqualTo("joined carol");
		killNode(2);
		alice.abort();
		Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() -> {
			assertThat(manager(0).clusterBridge().status().nodes()).isEqualTo(2);
			assertThat(manager(1).clusterBridge().status().nodes()).isEqualTo(2);
		});
		TestClient resumed = connect(1, "?room=lobby&resume=" + token + "&lastSeq=3", Map.of("X-User", "alice"));
		JsonNode frame = resumed.next();
		assertThat(frame.path("type").asText()).as("%s", frame).isEqualTo("resumed");
		assertThat(frame.path("missed").asInt()).isZero();
		// alice moved: on the new node, and the dead one's count of her is gone; bob and carol are still there
		for (int node = 0; node < 2; node++) {
			awaitView(node, "chat-d", Map.of("alice", 1, "bob", 1, "carol", 1));
		}
	}

	@Test
	void aNodeThatDiesTakesItsUsersPresenceWithItWithinTheNodeTimeout() {
		startNodes(2);
		TestClient watcher = connectUser(0, "wendy");
		join(watcher, "chat-dead");
		join(connectUser(1, "bob"), "chat-dead");
		assertThat(nextPresence(watcher)).isEqualTo("joined bob");
		killNode(1);
		// after the node timeout (2 s) and a heartbeat (200 ms); nextOfType waits up to 10 s
		assertThat(nextPresence(watcher)).isEqualTo("left bob");
		assertThat(manager(0).presence("chat-dead")).containsOnlyKeys("wendy");
	}

}
