package io.github.pulse.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence on three nodes with members on each, on a real Redis: a user with connections on two nodes arrives once
 * and leaves once for the members of every node; a node that dies takes its users with it (and its state on the
 * others) while a user also connected elsewhere stays; a suspended session stays present through resumes on its node
 * and on another, and leaves once when its window ends. "Exactly once" is read up to a marker user that joins or
 * leaves after the views converged: a member has had every event before the marker's.
 */
class ClusterPresenceThreeNodesIntegrationTests extends ClusterNodesTestSupport {

	private static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

	private static final String ROOM = "chat-3";

	private static final String[] PRESENCE = { "pulse.cluster.node-timeout=" + NODE_TIMEOUT.toMillis() + "ms",
			"pulse.rooms.client-join=chat-*", "pulse.rooms.presence=chat-*", "pulse.resume.window=3s" };

	/** One member per node, w0 to w2, each told of the ones after it. */
	private List<TestClient> watchers() {
		startNodes(3, PRESENCE);
		List<TestClient> watchers = new ArrayList<>();
		Map<String, Integer> view = new HashMap<>();
		for (int node = 0; node < 3; node++) {
			TestClient watcher = connectUser(node, "w" + node);
			join(watcher, ROOM);
			view.put("w" + node, 1);
			awaitViews(ROOM, view);
			watchers.add(watcher);
		}
		assertThat(presence(watchers.get(0), 2)).containsExactly("joined w1", "joined w2");
		assertThat(presence(watchers.get(1), 1)).containsExactly("joined w2");
		return watchers;
	}

	@Test
	void aUserWithConnectionsOnTwoNodesArrivesOnceAndLeavesOnceForTheMembersOfEveryNode() {
		List<TestClient> watchers = watchers();
		TestClient bobHere = connectUser(0, "bob");
		assertThat(view(join(bobHere, ROOM))).containsExactlyInAnyOrderEntriesOf(
				Map.of("w0", 1, "w1", 1, "w2", 1, "bob", 1));
		awaitViews(ROOM, Map.of("w0", 1, "w1", 1, "w2", 1, "bob", 1));
		// the answer of a connection on another node counts the first one: the view is cluster-wide
		TestClient bobThere = connectUser(1, "bob");
		assertThat(view(join(bobThere, ROOM))).containsExactlyInAnyOrderEntriesOf(
				Map.of("w0", 1, "w1", 1, "w2", 1, "bob", 2));
		TestClient bobThereAgain = connectUser(1, "bob");
		assertThat(view(join(bobThereAgain, ROOM))).containsEntry("bob", 3);
		awaitViews(ROOM, Map.of("w0", 1, "w1", 1, "w2", 1, "bob", 3));
		bobHere.close();
		awaitViews(ROOM, Map.of("w0", 1, "w1", 1, "w2", 1, "bob", 2));
		bobThere.close();
		awaitViews(ROOM, Map.of("w0", 1, "w1", 1, "w2", 1, "bob", 1));
		TestClient marker = connectUser(2, "zed");
		join(marker, ROOM);
		for (TestClient watcher : watchers) {
			assertThat(presenceUntil(watcher, "joined zed")).containsExactly("joined bob");
		}
		bobThereAgain.close();
		awaitViews(ROOM, Map.of("w0", 1, "w1", 1, "w2", 1, "zed", 1));
		marker.close();
		for (TestClient watcher : watchers) {
			assertThat(presenceUntil(watcher, "left zed")).containsExactly("left bob");
		}
		awaitViews(ROOM, Map.of("w0", 1, "w1", 1, "w2", 1));
		for (int node = 0; node < 3; node++) {
			assertThat(manager(node).presenceRoomCount()).isOne();
			assertThat(manager(node).presentUserCount()).as("w%d", node).isOne();
		}
		// everybody gone: no node keeps anything of the room
		watchers.forEach(TestClient::close);
		for (int node = 0; node < 3; node++) {
			int index = node;
			Awaitility.await().untilAsserted(() -> {
				assertThat(manager(index).presenceRoomCount()).isZero();
				assertThat(manager(index).presentUserCount()).isZero();
			});
		}
	}

	@Test
	void aNodeThatDiesTakesItsUsersWithItWhileAUserAlsoConnectedElsewhereStays() {
		List<TestClient> watchers = watchers();
		join(connectUser(2, "bob"), ROOM);
		join(connectUser(2, "alice"), ROOM);
		join(connectUser(1, "alice"), ROOM);
		awaitViews(ROOM, Map.of("w0", 1, "w1", 1, "w2", 1, "bob", 1, "alice", 2));
		for (TestClient watcher : watchers.subList(0, 2)) {
			assertThat(presence(watcher, 2)).containsExactlyInAnyOrder("joined bob", "joined alice");
		}
		assertThat(this.nodes.get(0).getBean(RedisClusterBridge.class).presence().knownNodes())
			.containsExactlyInAnyOrder("node-2", "node-3");
		long killed = System.nanoTime();
		killNode(2);
		for (TestClient watcher : watchers.subList(0, 2)) {
			assertThat(presence(watcher, 2)).containsExactlyInAnyOrder("left bob", "left w2");
		}
		// the node timeout and a heartbeat; generous, for a busy machine
		assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(NODE_TIMEOUT.multipliedBy(3));
		List<String> survivors = List.of("node-1", "node-2");
		for (int node = 0; node < 2; node++) {
			awaitView(node, ROOM, Map.of("w0", 1, "w1", 1, "alice", 1));
			// nothing is kept of the dead node
			ClusterPresence presence = this.nodes.get(node).getBean(RedisClusterBridge.class).presence();
			String other = survivors.get(1 - node);
			Awaitility.await().untilAsserted(() -> assertThat(presence.knownNodes()).containsExactly(other));
		}
		TestClient marker = connectUser(1, "zed");
		join(marker, ROOM);
		for (TestClient watcher : watchers.subList(0, 2)) {
			assertThat(presenceUntil(watcher, "joined zed")).isEmpty();
		}
	}

	@Test
	void aSuspendedSessionStaysPresentThroughResumesHereAndElsewhereAndLeavesOnceWhenItsWindowEnds() {
		List<TestClient> watchers = watchers();
		TestClient alice = connectUser(1, "alice");
		String token = alice.history().get(0).path("resumeToken").asText();
		join(alice, ROOM);
		awaitViews(ROOM, Map.of("w0", 1, "w1", 1, "w2", 1, "alice", 1));
		alice.abort();
		Awaitility.await().until(() -> manager(1).suspendedCount() == 1);
		for (int node = 0; node < 3; node++) {
			assertThat(manager(node).presence(ROOM)).containsEntry("alice", 1);
		}
		// resumed on its node
		TestClient back = resume(1, token, lastSeq(alice));
		token = back.history().get(0).path("resumeToken").asText();
		back.abort();
		Awaitility.await().until(() -> manager(1).suspendedCount() == 1);
		// and on another
		TestClient moved = resume(2, token, Math.max(lastSeq(alice), lastSeq(back)));
		for (int node = 0; node < 3; node++) {
			awaitView(node, ROOM, Map.of("w0", 1, "w1", 1, "w2", 1, "alice", 1));
		}
		TestClient marker = connectUser(0, "zed");
		join(marker, ROOM);
		for (TestClient watcher : watchers) {
			assertThat(presenceUntil(watcher, "joined zed")).containsExactly("joined alice");
		}
		// dropped again, never resumed: it leaves once its window (3 s) ends
		moved.abort();
		Awaitility.await().until(() -> manager(2).suspendedCount() == 1);
		for (int node = 0; node < 3; node++) {
			int index = node;
			Awaitility.await()
				.atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(manager(index).presence(ROOM)).doesNotContainKey("alice"));
		}
		marker.close();
		for (TestClient watcher : watchers) {
			assertThat(presenceUntil(watcher, "left zed")).containsExactly("left alice");
		}
	}

	private TestClient resume(int node, String token, long lastSeq) {
		TestClient resumed = connect(node, "?room=lobby&resume=" + token + "&lastSeq=" + lastSeq,
				Map.of("X-User", "alice"));
		JsonNode frame = resumed.next();
		assertThat(frame.path("type").asText()).as("%s", frame).isEqualTo("resumed");
		return resumed;
	}

	private static long lastSeq(TestClient client) {
		return client.history().stream().mapToLong((frame) -> frame.path("seq").asLong(0)).max().orElse(0);
	}

}
