package io.github.pulse.cluster;

import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sendToUser} across two and three nodes on a real Redis: the user's connections on every node get the frame once, the
 * call counts the local ones and waits for no network.
 */
class ClusterUsersIntegrationTests extends ClusterNodesTestSupport {

	private void startTwoNodes() {
		startNodes(2, "pulse.cluster.node-timeout=2s");
	}

	@Test
	void sendToUserReachesTheUsersConnectionsOnEveryNodeOnceAndCountsTheLocalOnes() {
		startTwoNodes();
		TestClient tabHere = connectUser(0, "bob");
		TestClient tabThere = connectUser(1, "bob");
		TestClient phoneThere = connectUser(1, "bob");
		TestClient other = connectUser(1, "carol");
		Awaitility.await().until(() -> manager(1).connectionsOf("bob").size() == 2);
		for (int i = 1; i <= 100; i++) {
			assertThat(manager(0).sendToUser("bob", "dm", Map.of("n", i))).isOne();
		}
		for (TestClient tab : List.of(tabHere, tabThere, phoneThere)) {
			for (int i = 1; i <= 100; i++) {
				JsonNode message = tab.nextOfType("message");
				assertThat(message.path("event").asText()).isEqualTo("dm");
				assertThat(message.path("payload").path("n").asInt()).isEqualTo(i);
				assertThat(message.path("seq").asLong()).isEqualTo(i);
				assertThat(message.has("room")).isFalse();
			}
		}
		// from the other node, to a user it holds none of: all remote
		assertThat(manager(1).sendToUser("bob", "back", 1)).isEqualTo(2);
		assertThat(tabHere.nextOfType("message").path("event").asText()).isEqualTo("back");
		assertThat(manager(0).sendToUser("carol", "only-carol", 1)).isZero();
		assertThat(other.nextOfType("message").path("event").asText()).isEqualTo("only-carol");
		// a send after the others in the same pipeline: nothing more reached bob's tabs on node 2 than counted above
		assertThat(manager(0).sendToUser("bob", "last", 1)).isOne();
		assertThat(tabThere.nextOfType("message").path("event").asText()).isEqualTo("back");
		assertThat(tabThere.nextOfType("message").path("event").asText()).isEqualTo("last");
		assertThat(other.pending()).isEmpty();
	}

	@Test
	void onThreeNodesSendToUserReachesEveryConnectionOfTheUserOnceAndCountsTheLocalOnes() {
		startNodes(3, "pulse.cluster.node-timeout=2s");
		List<TestClient> tabs = List.of(connectUser(0, "bob"), connectUser(1, "bob"), connectUser(1, "bob"),
				connectUser(2, "bob"));
		TestClient carol = connectUser(2, "carol");
		Awaitility.await().until(() -> manager(1).connectionsOf("bob").size() == 2);
		int[] local = { 1, 2, 1 };
		for (int i = 1; i <= 30; i++) {
			int node = i % 3;
			assertThat(manager(node).sendToUser("bob", "dm", Map.of("n", i))).as("from node %d", node + 1)
				.isEqualTo(local[node]);
			// nobody's: nothing anywhere, nothing counted
			assertThat(manager(node).sendToUser("nobody", "lost", Map.of("n", i))).isZero();
		}
		assertThat(manager(0).sendToUser("carol", "last", 1)).isZero();
		assertThat(carol.nextOfType("message").path("event").asText()).isEqualTo("last");
		for (TestClient tab : tabs) {
			// one node's sends reach a tab in the order it made them; each node's in its own order
			Map<Integer, List<Integer>> byNode = new java.util.HashMap<>();
			for (int i = 1; i <= 30; i++) {
				JsonNode message = tab.nextOfType("message");
				assertThat(message.path("event").asText()).isEqualTo("dm");
				int n = message.path("payload").path("n").asInt();
				byNode.computeIfAbsent(n % 3, (key) -> new java.util.ArrayList<>()).add(n);
			}
			for (int node = 0; node < 3; node++) {
				int first = (node == 0) ? 3 : node;
				assertThat(byNode.get(node)).as("sends of node %d", node + 1)
					.containsExactlyElementsOf(java.util.stream.IntStream.iterate(first, (n) -> n <= 30, (n) -> n + 3)
						.boxed()
						.toList());
			}
		}
		// each exactly once: a last send from every node is the next thing every tab gets
		for (int node = 0; node < 3; node++) {
			manager(node).sendToUser("bob", "end-" + node, 1);
		}
		for (TestClient tab : tabs) {
			List<String> ends = new java.util.ArrayList<>();
			for (int node = 0; node < 3; node++) {
				ends.add(tab.nextOfType("message").path("event").asText());
			}
			assertThat(ends).containsExactlyInAnyOrder("end-0", "end-1", "end-2");
		}
		assertThat(carol.pending()).isEmpty();
	}

	@Test
	void aUserWithNoConnectionAnywhereGetsNothingAndNoNodeFails() {
		startTwoNodes();
		TestClient carol = connectUser(1, "carol");
		assertThat(manager(0).sendToUser("nobody", "lost", 1)).isZero();
		assertThat(manager(0).sendToUser("carol", "after", 1)).isZero();
		assertThat(carol.nextOfType("message").path("event").asText()).isEqualTo("after");
	}

}
