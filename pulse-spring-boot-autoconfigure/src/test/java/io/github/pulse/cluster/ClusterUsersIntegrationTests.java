package io.github.pulse.cluster;

import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sendToUser} across two nodes on a real Redis: the user's connections on every node get the frame once, the
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
	void aUserWithNoConnectionAnywhereGetsNothingAndNoNodeFails() {
		startTwoNodes();
		TestClient carol = connectUser(1, "carol");
		assertThat(manager(0).sendToUser("nobody", "lost", 1)).isZero();
		assertThat(manager(0).sendToUser("carol", "after", 1)).isZero();
		assertThat(carol.nextOfType("message").path("event").asText()).isEqualTo("after");
	}

}
