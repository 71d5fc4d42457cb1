package io.github.pulse.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.pulse.test.FaultInjectingProxy;
import io.github.pulse.test.TestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence through a Redis outage, on three nodes: while Redis is away each node serves its own members with what it
 * knew, users join and leave; when it is back every node's view converges to the truth, and the members are told
 * the net changes, exactly: nothing of a user present throughout.
 */
class ClusterPresenceResyncIntegrationTests extends ClusterNodesTestSupport {

	private static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

	private static final String ROOM = "chat-o";

	private static final String[] PRESENCE = { "pulse.cluster.node-timeout=" + NODE_TIMEOUT.toMillis() + "ms",
			"pulse.rooms.client-join=chat-*", "pulse.rooms.presence=chat-*" };

	/**
	 * @param outageTimeouts how long Redis stays away after the changes, in node timeouts: 0 (back at once), or
	 * longer than the node timeout, when a node that could hear nobody must not take the others' silence for their
	 * death
	 */
	@ParameterizedTest(name = "Redis away for {0} node timeouts more")
	@ValueSource(doubles = { 0, 1.5 })
	void afterARedisOutageEveryNodeConvergesAndMembersAreToldTheNetChangesOnly(double outageTimeouts) {
		startNodes(3, PRESENCE);
		TestClient wendy = connectUser(0, "wendy");
		join(wendy, ROOM);
		TestClient bob = connectUser(1, "bob");
		join(bob, ROOM);
		TestClient carol = connectUser(2, "carol");
		join(carol, ROOM);
		TestClient carolAgain = connectUser(0, "carol");
		join(carolAgain, ROOM);
		TestClient dave = connectUser(1, "dave");
		join(dave, ROOM);
		awaitViews(ROOM, Map.of("wendy", 1, "bob", 1, "carol", 2, "dave", 1));
		assertThat(presence(wendy, 3)).containsExactlyInAnyOrder("joined bob", "joined carol", "joined dave");
		assertThat(presence(bob, 2)).containsExactlyInAnyOrder("joined carol", "joined dave");
		assertThat(presence(carol, 1)).containsExactly("joined dave");

		redis.stop();
		long stopped = System.nanoTime();
		for (int node = 0; node < 3; node++) {
			int index = node;
			Awaitility.await().until(() -> !manager(index).clusterBridge().status().available());
		}
		// each node tells its own members at once what it sees, and the others nothing
		dave.close();
		assertThat(nextPresence(bob)).isEqualTo("left dave");
		carolAgain.close();
		TestClient erin = connectUser(2, "erin");
		assertThat(view(join(erin, ROOM))).containsOnlyKeys("wendy", "bob", "carol", "dave", "erin");
		assertThat(nextPresence(carol)).isEqualTo("joined erin");
		awaitView(0, ROOM, Map.of("wendy", 1, "bob", 1, "carol", 1, "dave", 1));
		// the outage's length is the scenario, not a synchronization
		long outage = (long) (NODE_TIMEOUT.toNanos() * outageTimeouts);
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() - stopped >= outage);
		redis.start();

		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			for (int node = 0; node < 3; node++) {
				assertThat(manager(node).clusterBridge().status().available()).isTrue();
				assertThat(manager(node).clusterBridge().status().nodes()).isEqualTo(3);
			}
		});
		awaitViews(ROOM, Map.of("wendy", 1, "bob", 1, "carol", 1, "erin", 1));
		// a marker user per node, after everything else each node told: a member has had all news before them
		for (int node = 0; node < 3; node++) {
			join(connectUser(node, "zed" + node), ROOM);
		}
		assertThat(presenceBeforeTheMarkers(wendy)).containsExactlyInAnyOrder("left dave", "joined erin");
		assertThat(presenceBeforeTheMarkers(bob)).containsExactly("joined erin");
		assertThat(presenceBeforeTheMarkers(carol)).containsExactly("left dave");
		assertThat(presenceBeforeTheMarkers(erin)).containsExactly("left dave");
	}

	/**
	 * After Redis is back, a node that reaches it later than the others, within the node timeout, is no departure and
	 * arrival of its users: the others count its silence from their own return.
	 */
	@Test
	void aNodeBackLaterThanTheOthersButWithinTheNodeTimeoutTakesNoUserAwayMeanwhile() throws IOException {
		FaultInjectingProxy link = new FaultInjectingProxy(redis.port());
		this.proxies.add(link);
		// a longer node timeout: node 3 gets back within about a second of the others, well within it
		Duration nodeTimeout = NODE_TIMEOUT.multipliedBy(2);
		String[] properties = { "pulse.cluster.node-timeout=" + nodeTimeout.toMillis() + "ms",
				"pulse.rooms.client-join=chat-*", "pulse.rooms.presence=chat-*" };
		startNode(redis.port(), properties);
		startNode(redis.port(), properties);
		startNode(link.port(), properties);
		awaitNodesSeeEachOther();
		TestClient wendy = connectUser(0, "wendy");
		join(wendy, ROOM);
		TestClient carol = connectUser(2, "carol");
		join(carol, ROOM);
		awaitViews(ROOM, Map.of("wendy", 1, "carol", 1));
		assertThat(nextPresence(wendy)).isEqualTo("joined carol");
		redis.stop();
		long stopped = System.nanoTime();
		for (int node = 0; node < 3; node++) {
			int index = node;
			Awaitility.await().until(() -> !manager(index).clusterBridge().status().available());
		}
		// longer than the node timeout: the last the others heard of node 3 is older than that
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> System.nanoTime() - stopped >= nodeTimeout.toNanos() * 3 / 2);
		link.blackhole(true);
		redis.start();
		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			for (int node = 0; node < 2; node++) {
				assertThat(manager(node).clusterBridge().status().available()).isTrue();
				assertThat(manager(node).clusterBridge().status().nodes()).isEqualTo(2);
			}
		});
		// node-1 has had a heartbeat back without node-3: carol is still there
		assertThat(manager(0).presence(ROOM)).containsKey("carol");
		link.blackhole(false);
		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			for (int node = 0; node < 3; node++) {
				assertThat(manager(node).clusterBridge().status().available()).isTrue();
				assertThat(manager(node).clusterBridge().status().nodes()).isEqualTo(3);
			}
		});
		awaitViews(ROOM, Map.of("wendy", 1, "carol", 1));
		join(connectUser(1, "zed"), ROOM);
		assertThat(presenceUntil(wendy, "joined zed")).isEmpty();
		assertThat(presenceUntil(carol, "joined zed")).isEmpty();
	}

	/** The presence events a member gets until it has been told of the three markers, without them. */
	private static List<String> presenceBeforeTheMarkers(TestClient client) {
		Set<String> markers = new HashSet<>(Set.of("joined zed0", "joined zed1", "joined zed2"));
		List<String> events = new ArrayList<>();
		while (!markers.isEmpty()) {
			String event = nextPresence(client);
			if (!markers.remove(event)) {
				events.add(event);
			}
		}
		return events;
	}

}
